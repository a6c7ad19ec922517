/**
 * The pluggable parts of the API server, declared as interfaces so the server core does not
 * depend on how each is implemented: Table printing, OpenAPI, patching, protobuf decoding and
 * the node-side streaming calls (logs, exec, attach, port-forward, proxy) served by the kubelet.
 * engine.ts, the composition root, wires the real implementations.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../api/types.js';

export interface TableOptions {
  includeObject?: 'None' | 'Metadata' | 'Object';
  now?: Date;
}

export interface TablePrinter {
  toTable(group: string, kind: string, objects: Record<string, unknown>[], opts?: TableOptions): {
    columnDefinitions: unknown[];
    rows: unknown[];
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

export interface OpenAPIProvider {
  /** Answers /openapi/v2, /openapi/v3 and /openapi/v3/<gv>; undefined = not an OpenAPI path. */
  serve(method: string, url: string, headers: Record<string, string | string[] | undefined>): HttpAnswer | undefined;
  /**
   * Schema checks of a decoded body: `error` (wrong types; unknown fields under Strict) is a
   * 400 message; `warnings` go out as Warning headers (unknown fields under Warn).
   */
  decode(apiVersion: string, kind: string, obj: unknown, fieldValidation: string | null): { error?: string; warnings: string[] };
}

export type PatchKind = 'json' | 'merge' | 'strategic';

export interface Patcher {
  applyPatch(type: PatchKind, original: Record<string, unknown>, patch: unknown, target: { apiVersion: string; kind: string }): Record<string, unknown>;
  supportsStrategicMerge(apiVersion: string, kind: string): boolean;
}

export type ProtobufDecoder = (body: Buffer) => Record<string, unknown>;

export interface LogOptions {
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps?: boolean;
  limitBytes?: number;
}

/**
 * What the kubelet serves for a pod, reached through the API server (as the real apiserver
 * proxies to the kubelet). Implementations write straight to the HTTP response or take over
 * the upgraded socket.
 */
export interface PodConnector {
  logs(pod: KubeObject, opts: LogOptions, req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** exec/attach/portforward: a WebSocket or SPDY upgrade. */
  upgrade(kind: 'exec' | 'attach' | 'portforward', pod: KubeObject, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
  /** pods/NAME:PORT/proxy/...: forwards an HTTP request to the pod. */
  proxy(pod: KubeObject, port: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface ServiceConnector {
  proxy(service: KubeObject, port: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface MetricsProvider {
  /** metrics.k8s.io/v1beta1 NodeMetrics / PodMetrics objects. */
  nodeMetrics(): Promise<KubeObject[]>;
  podMetrics(namespace: string | undefined): Promise<KubeObject[]>;
}

export interface ApiFeatures {
  table?: TablePrinter;
  openapi?: OpenAPIProvider;
  patcher?: Patcher;
  protobuf?: ProtobufDecoder;
  pods?: PodConnector;
  services?: ServiceConnector;
  metrics?: MetricsProvider;
}
