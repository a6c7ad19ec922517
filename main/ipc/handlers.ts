/**
 * Main-side IPC: validates every payload from the renderer against the contract, then calls the
 * app's services. Pure (the services are injected) so it is tested without Electron.
 */
import type { ClusterStatus, InvokeChannel, IpcContract, Settings } from './contract.cjs';
import { isInvokeChannel } from './contract.cjs';

export class IpcValidationError extends Error {}

export interface IpcServices {
  status(): ClusterStatus;
  cluster(action: 'start' | 'stop' | 'restart'): Promise<ClusterStatus>;
  openExternal(url: string): Promise<void>;
  copyKubeconfigPath(): string;
  mergeKubeconfig(setCurrentContext: boolean): Promise<{ path: string; backup?: string; changed: boolean }>;
  installKubectl(): Promise<{ path: string; onPath: boolean }>;
  settings(): Settings;
  setSettings(s: Partial<Settings>): Settings;
}

type Validator<T> = (v: unknown) => T;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function none(v: unknown): undefined {
  if (v !== undefined && v !== null) throw new IpcValidationError('this channel takes no payload');
  return undefined;
}

function onlyKeys(o: Record<string, unknown>, keys: string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new IpcValidationError(`unexpected field "${k}"`);
}

/** Only loopback web URLs may be opened from the renderer (dashboard links, port-forwards). */
export function isSafeExternalUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  if (u.username || u.password) return false;
  return u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
}

export const validators: { [C in InvokeChannel]: Validator<IpcContract[C]['req']> } = {
  'skiff:status': none,
  'skiff:copy-kubeconfig-path': none,
  'skiff:install-kubectl': none,
  'skiff:settings': none,
  'skiff:cluster': (v) => {
    if (!isObj(v)) throw new IpcValidationError('expected an object');
    onlyKeys(v, ['action']);
    if (v.action !== 'start' && v.action !== 'stop' && v.action !== 'restart') throw new IpcValidationError('action must be start, stop or restart');
    return { action: v.action };
  },
  'skiff:open-external': (v) => {
    if (!isObj(v) || typeof v.url !== 'string') throw new IpcValidationError('expected { url }');
    onlyKeys(v, ['url']);
    if (v.url.length > 2048 || !isSafeExternalUrl(v.url)) throw new IpcValidationError('only http(s) URLs on 127.0.0.1/localhost may be opened');
    return { url: v.url };
  },
  'skiff:merge-kubeconfig': (v) => {
    if (v === undefined || v === null) return {};
    if (!isObj(v)) throw new IpcValidationError('expected an object');
    onlyKeys(v, ['setCurrentContext']);
    if (v.setCurrentContext !== undefined && typeof v.setCurrentContext !== 'boolean') throw new IpcValidationError('setCurrentContext must be a boolean');
    return { setCurrentContext: v.setCurrentContext as boolean | undefined };
  },
  'skiff:set-settings': (v) => {
    if (!isObj(v)) throw new IpcValidationError('expected an object');
    onlyKeys(v, ['startOnLaunch', 'onQuit', 'shimDir']);
    const out: Partial<Settings> = {};
    if (v.startOnLaunch !== undefined) {
      if (typeof v.startOnLaunch !== 'boolean') throw new IpcValidationError('startOnLaunch must be a boolean');
      out.startOnLaunch = v.startOnLaunch;
    }
    if (v.onQuit !== undefined) {
      if (v.onQuit !== 'ask' && v.onQuit !== 'stop' && v.onQuit !== 'keep') throw new IpcValidationError('onQuit must be ask, stop or keep');
      out.onQuit = v.onQuit;
    }
    if (v.shimDir !== undefined) {
      if (typeof v.shimDir !== 'string' || !v.shimDir.startsWith('/') && !/^[A-Za-z]:\\/.test(v.shimDir)) throw new IpcValidationError('shimDir must be an absolute path');
      out.shimDir = v.shimDir;
    }
    return out;
  },
};

/** Dispatches one invoke after validating channel and payload. */
export async function handleInvoke(services: IpcServices, channel: unknown, payload: unknown): Promise<unknown> {
  if (!isInvokeChannel(channel)) throw new IpcValidationError(`unknown channel ${String(channel)}`);
  switch (channel) {
    case 'skiff:status':
      validators[channel](payload);
      return services.status();
    case 'skiff:cluster':
      return services.cluster(validators[channel](payload).action);
    case 'skiff:open-external':
      return services.openExternal(validators[channel](payload).url);
    case 'skiff:copy-kubeconfig-path':
      validators[channel](payload);
      return services.copyKubeconfigPath();
    case 'skiff:merge-kubeconfig':
      return services.mergeKubeconfig(!!validators[channel](payload).setCurrentContext);
    case 'skiff:install-kubectl':
      validators[channel](payload);
      return services.installKubectl();
    case 'skiff:settings':
      validators[channel](payload);
      return services.settings();
    case 'skiff:set-settings':
      return services.setSettings(validators[channel](payload));
  }
}
