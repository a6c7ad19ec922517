/**
 * `skiff node …` — manage nodes of a running cluster (these commands talk to `skiff serve`
 * through its API; the server hosts the virtual nodes):
 *
 *   skiff node add --virtual NAME [--cpu 4] [--memory 8Gi] [--pods 110]
 *                  [--label k=v]... [--taint k[=v]:Effect]...
 *   skiff node add --docker-host ENDPOINT NAME [--tls-verify] [--cert-path DIR]
 *                  [--label k=v]... [--taint k[=v]:Effect]...
 *   skiff node list
 *   skiff node rm NAME...
 *   skiff node stop NAME     stop a virtual node's kubelet (simulates a node failure)
 *   skiff node start NAME    restart it
 *
 * Common flags: --kubeconfig PATH (default <data-dir>/kubeconfig), --data-dir DIR (~/.skiff).
 * The logic takes a NodeApi, so tests drive it in-process or over HTTPS alike.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import * as errors from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import type { Client } from '../client/client.js';
import { parseTaint } from '../scheduler/util/taints.js';
import { STOPPED_ANNOTATION } from './constants.js';
import { dockerNodeObject, isDockerHostNode, isVirtualNode, virtualNodeObject } from './api.js';
import { kubeClientFromKubeconfig, KubeApiError, type KubeClient } from './kubeclient.js';

export const NODE_USAGE = `Usage: skiff node <command> [flags]

Commands:
  add --virtual NAME   Add a virtual node (pods on it run without containers)
        --cpu N          cpu capacity (default 4)
        --memory Q       memory capacity (default 8Gi)
        --pods N         max pods (default 110)
        --label k=v      extra node label (repeatable)
        --taint k=v:E    taint, E = NoSchedule|PreferNoSchedule|NoExecute (repeatable)
  add --docker-host ENDPOINT NAME
                       Add another Docker engine as a node (a real kubelet in the server):
                       ENDPOINT as DOCKER_HOST, unix:///path/docker.sock or tcp://host:2375
        --tls-verify     TLS, verifying the daemon (as DOCKER_TLS_VERIFY)
        --cert-path DIR  ca.pem, cert.pem, key.pem (as DOCKER_CERT_PATH)
        --label, --taint as above
  list                 List nodes
  rm NAME...           Remove nodes
  stop NAME            Stop a virtual node's kubelet (simulates a node failure)
  start NAME           Start it again

Flags:
  --kubeconfig PATH    cluster credentials (default <data-dir>/kubeconfig)
  --data-dir DIR       the cluster's data dir (default ~/.skiff)
`;

/** What the node commands need from the cluster. */
export interface NodeApi {
  list(): Promise<KubeObject[]>;
  get(name: string): Promise<KubeObject | undefined>;
  create(node: KubeObject): Promise<KubeObject>;
  /** PUT with the object's resourceVersion (409 on a concurrent change). */
  replace(node: KubeObject): Promise<KubeObject>;
  delete(name: string): Promise<void>;
}

export function httpNodeApi(kc: KubeClient): NodeApi {
  const path = (n?: string) => (n ? `/api/v1/nodes/${encodeURIComponent(n)}` : '/api/v1/nodes');
  return {
    async list() {
      const l = (await kc.get(path())) as unknown as { items?: KubeObject[] } | undefined;
      return l?.items ?? [];
    },
    get: (name) => kc.get(path(name)),
    create: (node) => kc.send('POST', path(), node),
    replace: (node) => kc.send('PUT', path(node.metadata.name), node),
    async delete(name) {
      await kc.send('DELETE', path(name));
    },
  };
}

export function inProcessNodeApi(client: Client): NodeApi {
  const nodes = client.resource('', 'Node');
  return {
    list: async () => nodes.list().items,
    get: async (name) => nodes.get(undefined, name),
    create: async (node) => nodes.create(node),
    replace: async (node) => nodes.update(node),
    async delete(name) {
      const cur = nodes.get(undefined, name);
      if (!cur) throw errors.notFound('nodes', name);
      nodes.delete(undefined, name);
    },
  };
}

interface Parsed {
  positional: string[];
  flags: Map<string, string[]>;
}

const BOOLEAN_FLAGS = new Set(['virtual', 'tls-verify']);

function parseArgs(args: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  const put = (k: string, v: string) => flags.set(k, [...(flags.get(k) ?? []), v]);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) put(a.slice(2, eq), a.slice(eq + 1));
    else if (BOOLEAN_FLAGS.has(a.slice(2))) put(a.slice(2), 'true');
    else if (i + 1 < args.length && !args[i + 1].startsWith('--')) put(a.slice(2), args[++i]);
    else put(a.slice(2), 'true');
  }
  return { positional, flags };
}

function one(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return v?.[v.length - 1];
}

function age(ts: unknown, now: Date): string {
  if (typeof ts !== 'string') return '<unknown>';
  const s = Math.max(0, Math.floor((now.getTime() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function nodeStatus(n: KubeObject): string {
  const status = isPlainObject(n.status) ? n.status : {};
  const conds = Array.isArray(status.conditions) ? status.conditions : [];
  const ready = conds.find((c) => isPlainObject(c) && c.type === 'Ready') as Record<string, unknown> | undefined;
  // As kubectl prints it: Ready=False and Ready=Unknown are both NotReady.
  let s = !ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady';
  const spec = isPlainObject(n.spec) ? n.spec : {};
  if (spec.unschedulable === true) s += ',SchedulingDisabled';
  if (n.metadata.annotations?.[STOPPED_ANNOTATION] === 'true') s += ',Stopped';
  return s;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('').trimEnd()).join('\n');
}

export interface Output {
  log(s: string): void;
  error(s: string): void;
}

/** Runs `skiff node ARGS` against `api`. Returns the exit code. */
export async function runNodeCommand(args: string[], api: NodeApi, out: Output = console, now: () => Date = () => new Date()): Promise<number> {
  const p = parseArgs(args);
  const [cmd, ...rest] = p.positional;
  try {
    switch (cmd) {
      case 'add': {
        const dockerHost = one(p, 'docker-host');
        if (one(p, 'virtual') === undefined && dockerHost === undefined) {
          out.error('skiff node add: say what the node is: --virtual NAME, or --docker-host ENDPOINT NAME');
          return 2;
        }
        if (dockerHost === 'true') {
          out.error('skiff node add --docker-host: missing ENDPOINT (unix:///path/docker.sock or tcp://host:2375)');
          return 2;
        }
        const name = rest[0] ?? (dockerHost === undefined && one(p, 'virtual') !== 'true' ? one(p, 'virtual') : undefined);
        if (!name) {
          out.error(`skiff node add ${dockerHost === undefined ? '--virtual' : '--docker-host ENDPOINT'}: missing NAME`);
          return 2;
        }
        const labels: Record<string, string> = {};
        for (const l of p.flags.get('label') ?? []) {
          const eq = l.indexOf('=');
          if (eq <= 0) {
            out.error(`skiff node add: invalid --label "${l}" (want key=value)`);
            return 2;
          }
          labels[l.slice(0, eq)] = l.slice(eq + 1);
        }
        const taints = (p.flags.get('taint') ?? []).map(parseTaint);
        if (dockerHost !== undefined) {
          const tlsVerify = one(p, 'tls-verify') === 'true';
          const certPath = one(p, 'cert-path') ? resolve(one(p, 'cert-path') as string) : undefined;
          await api.create(dockerNodeObject({ name, endpoint: dockerHost, tlsVerify, certPath, labels, taints }));
          out.log(`node/${name} created (Docker engine at ${dockerHost}; the server runs its kubelet)`);
          return 0;
        }
        const node = virtualNodeObject({ name, cpu: one(p, 'cpu'), memory: one(p, 'memory'), pods: one(p, 'pods'), labels, taints });
        await api.create(node);
        const a = node.metadata.annotations ?? {};
        out.log(`node/${name} created (virtual: ${a['node.skiff.io/cpu']} cpu, ${a['node.skiff.io/memory']} memory, ${a['node.skiff.io/pods']} pods)`);
        return 0;
      }
      case 'list':
      case 'ls': {
        const items = (await api.list()).sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
        if (items.length === 0) {
          out.log('No nodes found.');
          return 0;
        }
        const rows = [['NAME', 'STATUS', 'TYPE', 'CPU', 'MEMORY', 'PODS', 'AGE']];
        const t = now();
        for (const n of items) {
          const status = isPlainObject(n.status) ? n.status : {};
          const cap = (isPlainObject(status.capacity) ? status.capacity : {}) as Record<string, unknown>;
          rows.push([
            String(n.metadata.name),
            nodeStatus(n),
            isVirtualNode(n) ? 'virtual' : isDockerHostNode(n) ? 'docker-host' : 'docker',
            String(cap.cpu ?? '-'),
            String(cap.memory ?? '-'),
            String(cap.pods ?? '-'),
            age(n.metadata.creationTimestamp, t),
          ]);
        }
        out.log(table(rows));
        return 0;
      }
      case 'rm':
      case 'remove':
      case 'delete': {
        if (rest.length === 0) {
          out.error('skiff node rm: missing NAME');
          return 2;
        }
        let code = 0;
        for (const name of rest) {
          try {
            await api.delete(name);
            out.log(`node/${name} deleted`);
          } catch (e) {
            out.error(`skiff node rm: ${(e as Error).message}`);
            code = 1;
          }
        }
        return code;
      }
      case 'stop':
      case 'start': {
        const name = rest[0];
        if (!name) {
          out.error(`skiff node ${cmd}: missing NAME`);
          return 2;
        }
        for (let attempt = 0; ; attempt++) {
          const node = await api.get(name);
          if (!node) {
            out.error(`skiff node ${cmd}: nodes "${name}" not found`);
            return 1;
          }
          if (!isVirtualNode(node)) {
            out.error(`skiff node ${cmd}: ${name} is not a virtual node`);
            return 2;
          }
          const a = { ...(node.metadata.annotations ?? {}) };
          if (cmd === 'stop') a[STOPPED_ANNOTATION] = 'true';
          else delete a[STOPPED_ANNOTATION];
          node.metadata.annotations = a;
          try {
            await api.replace(node);
            break;
          } catch (e) {
            const conflict = (e instanceof KubeApiError && e.code === 409) || (e instanceof errors.ApiError && e.code === 409);
            if (!conflict || attempt >= 4) throw e;
          }
        }
        out.log(`node/${name} ${cmd === 'stop' ? 'stopped' : 'started'}`);
        return 0;
      }
      case undefined:
      case 'help':
        out.log(NODE_USAGE);
        return 0;
      default:
        out.error(`skiff node: unknown command "${cmd}"\n\n${NODE_USAGE}`);
        return 2;
    }
  } catch (e) {
    out.error(`skiff node ${cmd}: ${(e as Error).message}`);
    return 1;
  }
}

/** Entry point for `skiff node …` (argv after "node"). */
export async function nodeMain(argv: string[]): Promise<number> {
  const p = parseArgs(argv);
  const dataDir = resolve(one(p, 'data-dir') ?? join(homedir(), '.skiff'));
  const kubeconfig = one(p, 'kubeconfig') ?? join(dataDir, 'kubeconfig');
  let kc: KubeClient;
  try {
    kc = kubeClientFromKubeconfig(kubeconfig);
  } catch (e) {
    console.error(`skiff node: cannot read ${kubeconfig}: ${(e as Error).message} (is \`skiff serve --data-dir ${dataDir}\` running?)`);
    return 1;
  }
  const args = argv.filter((a, i) => {
    const prev = argv[i - 1];
    return !(a.startsWith('--kubeconfig') || a.startsWith('--data-dir') || prev === '--kubeconfig' || prev === '--data-dir');
  });
  try {
    return await runNodeCommand(args, httpNodeApi(kc));
  } finally {
    kc.close();
  }
}
