/**
 * The IPC contract between the renderer (through the preload) and the main process, declared
 * once. A `.cts` file (CommonJS) because Electron's sandboxed preload must be CommonJS and needs
 * the channel allowlist at run time; main (ESM) imports it too, the renderer only `import type`s.
 * Payload validation lives in main (ipc/handlers.ts): nothing from the renderer is trusted.
 */

export type ClusterState = 'stopped' | 'starting' | 'running' | 'stopping' | 'error';

export interface ClusterStatus {
  state: ClusterState;
  /** API server URL when running. */
  apiServer?: string;
  /** Dashboard origin when running (without the session token). */
  dashboard?: string;
  kubeconfig: string;
  error?: string;
}

export interface Settings {
  /** Start the cluster when the app starts. */
  startOnLaunch: boolean;
  /** What Quit does with a running cluster. */
  onQuit: 'ask' | 'stop' | 'keep';
  /** Where `Install kubectl shim` puts it. */
  shimDir: string;
}

/** Request and response of every invoke channel. */
export interface IpcContract {
  'skiff:status': { req: undefined; res: ClusterStatus };
  'skiff:cluster': { req: { action: 'start' | 'stop' | 'restart' }; res: ClusterStatus };
  'skiff:open-external': { req: { url: string }; res: void };
  'skiff:copy-kubeconfig-path': { req: undefined; res: string };
  'skiff:merge-kubeconfig': { req: { setCurrentContext?: boolean }; res: { path: string; backup?: string; changed: boolean } };
  'skiff:install-kubectl': { req: undefined; res: { path: string; onPath: boolean } };
  'skiff:settings': { req: undefined; res: Settings };
  'skiff:set-settings': { req: Partial<Settings>; res: Settings };
}

/** Events main sends to the renderer. */
export interface IpcEvents {
  'skiff:status-changed': ClusterStatus;
}

export type InvokeChannel = keyof IpcContract;
export type EventChannel = keyof IpcEvents;

export const INVOKE_CHANNELS: readonly InvokeChannel[] = [
  'skiff:status',
  'skiff:cluster',
  'skiff:open-external',
  'skiff:copy-kubeconfig-path',
  'skiff:merge-kubeconfig',
  'skiff:install-kubectl',
  'skiff:settings',
  'skiff:set-settings',
];

export const EVENT_CHANNELS: readonly EventChannel[] = ['skiff:status-changed'];

export function isInvokeChannel(c: unknown): c is InvokeChannel {
  return typeof c === 'string' && (INVOKE_CHANNELS as readonly string[]).includes(c);
}

export function isEventChannel(c: unknown): c is EventChannel {
  return typeof c === 'string' && (EVENT_CHANNELS as readonly string[]).includes(c);
}

/** What the preload exposes as `window.skiff`. */
export interface SkiffBridge {
  invoke<C extends InvokeChannel>(channel: C, payload: IpcContract[C]['req']): Promise<IpcContract[C]['res']>;
  on<E extends EventChannel>(channel: E, listener: (payload: IpcEvents[E]) => void): () => void;
  platform: string;
}
