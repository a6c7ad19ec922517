/**
 * The subset of Electron's API this app uses, typed locally. Electron is an optional
 * dependency whose binary download may be refused (offline machines, CI): `tsc` must compile
 * without it, so we neither import 'electron' statically nor declare an ambient module (that
 * would clash with Electron's own typings once installed). `loadElectron()` requires it at run
 * time — only ever inside the Electron main process.
 */
import { createRequire } from 'node:module';

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface NativeImage {
  isEmpty(): boolean;
  setTemplateImage?(v: boolean): void;
}

export interface WebContents {
  send(channel: string, payload: unknown): void;
  setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' | 'allow' }): void;
  on(event: 'will-navigate', l: (e: { preventDefault(): void }, url: string) => void): void;
}

export interface BrowserWindow {
  loadURL(url: string): Promise<void>;
  show(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isMaximized(): boolean;
  maximize(): void;
  getBounds(): Rectangle;
  on(event: 'resize' | 'move' | 'close' | 'closed' | 'ready-to-show', l: () => void): void;
  webContents: WebContents;
  isDestroyed(): boolean;
}

export interface BrowserWindowCtor {
  new (o: Record<string, unknown>): BrowserWindow;
}

export interface MenuItemOptions {
  label?: string;
  type?: 'normal' | 'separator' | 'submenu';
  role?: string;
  enabled?: boolean;
  accelerator?: string;
  click?: () => void;
  submenu?: MenuItemOptions[];
}

export interface Menu {
  readonly _menu?: never;
}

export interface Tray {
  setImage(img: NativeImage | string): void;
  setToolTip(t: string): void;
  setContextMenu(m: Menu): void;
  on(event: 'click', l: () => void): void;
}

export interface ElectronApi {
  app: {
    requestSingleInstanceLock(): boolean;
    quit(): void;
    exit(code?: number): void;
    whenReady(): Promise<void>;
    getPath(name: 'userData' | 'home'): string;
    getVersion(): string;
    isPackaged: boolean;
    on(event: 'second-instance' | 'window-all-closed' | 'activate' | 'before-quit', l: (e: { preventDefault(): void }) => void): void;
    dock?: { hide(): void; show(): void };
  };
  BrowserWindow: BrowserWindowCtor;
  Menu: { buildFromTemplate(t: MenuItemOptions[]): Menu; setApplicationMenu(m: Menu | null): void };
  Tray: new (img: NativeImage | string) => Tray;
  nativeImage: { createFromPath(p: string): NativeImage };
  ipcMain: { handle(channel: string, h: (e: { senderFrame?: { url: string } | null }, payload: unknown) => Promise<unknown>): void };
  shell: { openExternal(url: string): Promise<void> };
  clipboard: { writeText(t: string): void };
  dialog: {
    showMessageBox(o: { type?: string; buttons: string[]; defaultId?: number; cancelId?: number; message: string; detail?: string; checkboxLabel?: string }): Promise<{ response: number; checkboxChecked: boolean }>;
    showErrorBox(title: string, content: string): void;
  };
  screen: { getAllDisplays(): { workArea: Rectangle }[] };
}

/** Electron's API; throws outside the Electron main process. */
export function loadElectron(): ElectronApi {
  const api = createRequire(import.meta.url)('electron') as unknown;
  if (typeof api === 'string') throw new Error('not running inside Electron (require("electron") gave the binary path)');
  return api as ElectronApi;
}
