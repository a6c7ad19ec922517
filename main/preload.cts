/**
 * The preload: exposes one typed object, `window.skiff`, and nothing else. Channels outside the
 * contract's allowlist are refused here, and main validates every payload again. CommonJS
 * because sandboxed preloads cannot be ES modules.
 */
import { isEventChannel, isInvokeChannel, type SkiffBridge } from './ipc/contract.cjs';

interface IpcRendererEvent {
  sender: unknown;
}
interface PreloadElectron {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  ipcRenderer: {
    invoke(channel: string, payload: unknown): Promise<unknown>;
    on(channel: string, listener: (e: IpcRendererEvent, payload: unknown) => void): void;
    removeListener(channel: string, listener: (e: IpcRendererEvent, payload: unknown) => void): void;
  };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- preloads are CommonJS
const { contextBridge, ipcRenderer } = require('electron') as PreloadElectron;

const bridge: SkiffBridge = {
  invoke(channel, payload) {
    if (!isInvokeChannel(channel)) return Promise.reject(new Error(`channel not allowed: ${String(channel)}`));
    return ipcRenderer.invoke(channel, payload) as never;
  },
  on(channel, listener) {
    if (!isEventChannel(channel)) throw new Error(`channel not allowed: ${String(channel)}`);
    // Never hand the event object (it exposes `sender`) to the page.
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload as never);
    ipcRenderer.on(channel, wrapped);
    return () => ipcRenderer.removeListener(channel, wrapped);
  },
  platform: process.platform,
};

contextBridge.exposeInMainWorld('skiff', bridge);

export type { SkiffBridge };
