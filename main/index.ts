/**
 * Electron main: the composition root, kept small. Wires the engine host (cluster.ts), the
 * window (window.ts), the tray (tray.ts), the menu (menu.ts) and IPC (ipc/handlers.ts). The
 * window shows the same dashboard `skiff serve` serves (loopback, session cookie, Host/Origin
 * checks) — main adds no privileged web surface beyond the preload's allowlisted `window.skiff`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadElectron, type BrowserWindow, type ElectronApi, type Tray } from './electron.js';
import { ClusterHost } from './cluster.js';
import { SettingsStore } from './settings.js';
import { clampBounds, loadBounds, saveBounds } from './window.js';
import { quitPlan, trayIcon, trayMenu, trayTooltip, type TrayAction } from './tray.js';
import { appMenu } from './menu.js';
import { handleInvoke, isSafeExternalUrl, type IpcServices } from './ipc/handlers.js';
import { mergeSkiffContext } from './kubeconfig.js';
import { installShim } from './shim.js';
import type { SkiffBridge } from './preload.cjs';

export type { SkiffBridge };

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function resources(e: ElectronApi): string {
  // Packaged: extraResources land in process.resourcesPath; in development: the repo's assets/.
  return e.app.isPackaged ? join((process as { resourcesPath?: string }).resourcesPath ?? ROOT, 'assets') : join(ROOT, 'assets');
}

export async function main(e: ElectronApi = loadElectron()): Promise<void> {
  const { app } = e;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const userData = app.getPath('userData');
  const settings = new SettingsStore(join(userData, 'settings.json'));
  const dataDir = process.env.SKIFF_DATA_DIR ?? join(homedir(), '.skiff');
  const cluster = new ClusterHost({ node: process.execPath, skiffBin: join(ROOT, 'bin', 'skiff.js'), dataDir, apiPort: Number(process.env.SKIFF_PORT ?? 6443) });
  const assets = resources(e);
  let win: BrowserWindow | undefined;
  let tray: Tray | undefined;
  let quitting = false;

  const openDashboard = () => {
    if (win && !win.isDestroyed()) {
      if (win.isMinimized()) win.restore();
      win.show();
      win.focus();
      return;
    }
    const boundsFile = join(userData, 'window.json');
    const b = clampBounds(loadBounds(boundsFile), e.screen.getAllDisplays().map((d) => d.workArea));
    win = new e.BrowserWindow({
      ...b,
      show: false,
      title: 'Skiff',
      backgroundColor: '#0f1420',
      webPreferences: { preload: join(ROOT, 'dist', 'main', 'preload.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false },
    });
    if (b.maximized) win.maximize();
    const save = () => win && !win.isDestroyed() && saveBounds(boundsFile, { ...win.getBounds(), maximized: win.isMaximized() });
    win.on('resize', save);
    win.on('move', save);
    win.on('ready-to-show', () => win?.show());
    win.on('closed', () => (win = undefined));
    // Links leave the app for the browser (only loopback ones: dashboards, port-forwards).
    win.webContents.setWindowOpenHandler(({ url }) => {
      if (isSafeExternalUrl(url)) void e.shell.openExternal(url);
      return { action: 'deny' };
    });
    win.webContents.on('will-navigate', (ev, url) => {
      if (!cluster.getStatus().dashboard || !url.startsWith(cluster.getStatus().dashboard!)) ev.preventDefault();
    });
    const url = cluster.dashboardUrl;
    if (url) void win.loadURL(url);
    else void win.loadURL(`data:text/html,${encodeURIComponent('<body style="font:15px system-ui;background:#0f1420;color:#dbe3f1;display:grid;place-items:center;height:90vh"><div>Skiff cluster is not running — start it from the tray.</div>')}`);
  };

  const services: IpcServices = {
    status: () => cluster.getStatus(),
    cluster: (a) => (a === 'start' ? cluster.start() : a === 'stop' ? cluster.stop() : cluster.restart()),
    openExternal: (url) => e.shell.openExternal(url),
    copyKubeconfigPath: () => {
      const p = cluster.getStatus().kubeconfig;
      e.clipboard.writeText(p);
      return p;
    },
    mergeKubeconfig: async (setCurrentContext) => mergeSkiffContext({ skiffKubeconfig: readFileSync(cluster.getStatus().kubeconfig, 'utf8'), setCurrentContext }),
    installKubectl: async () => installShim({ shimDir: join(assets, 'bin'), binDir: settings.get().shimDir }),
    settings: () => settings.get(),
    setSettings: (s) => settings.set(s),
  };
  e.ipcMain.handle('skiff:status', (_ev, p) => handleInvoke(services, 'skiff:status', p));
  for (const ch of ['skiff:cluster', 'skiff:open-external', 'skiff:copy-kubeconfig-path', 'skiff:merge-kubeconfig', 'skiff:install-kubectl', 'skiff:settings', 'skiff:set-settings']) {
    e.ipcMain.handle(ch, (ev, p) => {
      // Only the dashboard's own frames may call main.
      const from = ev.senderFrame?.url ?? '';
      const origin = cluster.getStatus().dashboard;
      if (!origin || !from.startsWith(origin)) return Promise.reject(new Error('IPC refused: not from the dashboard'));
      return handleInvoke(services, ch, p);
    });
  }

  const report = async (what: string, fn: () => Promise<unknown> | unknown) => {
    try {
      const r = await fn();
      if (what) void e.dialog.showMessageBox({ type: 'info', buttons: ['OK'], message: what, detail: typeof r === 'object' ? JSON.stringify(r, null, 2) : String(r ?? '') });
    } catch (err) {
      e.dialog.showErrorBox('Skiff', (err as Error).message);
    }
  };

  const quit = async () => {
    const plan = quitPlan(cluster.state, settings.get().onQuit);
    let stop = plan === 'stop-then-quit';
    if (plan === 'ask') {
      const r = await e.dialog.showMessageBox({ type: 'question', buttons: ['Stop cluster and quit', 'Quit, keep cluster running', 'Cancel'], defaultId: 0, cancelId: 2, message: 'Stop the Skiff cluster too?', checkboxLabel: 'Remember my choice' });
      if (r.response === 2) return;
      stop = r.response === 0;
      if (r.checkboxChecked) settings.set({ onQuit: stop ? 'stop' : 'keep' });
    }
    if (stop) await cluster.stop();
    quitting = true;
    app.quit();
  };

  const act: Record<TrayAction, () => void> = {
    open: openDashboard,
    start: () => void cluster.start(),
    stop: () => void cluster.stop(),
    restart: () => void cluster.restart(),
    'copy-kubeconfig': () => void services.copyKubeconfigPath(),
    'merge-kubeconfig': () => void report('Added the “skiff” context to your kubeconfig', () => services.mergeKubeconfig(false)),
    'install-kubectl': () => void report('Installed the kubectl shim', () => services.installKubectl()),
    quit: () => void quit(),
  };

  const refreshTray = () => {
    const s = cluster.getStatus();
    if (!tray) return;
    tray.setImage(e.nativeImage.createFromPath(join(assets, 'tray', trayIcon(s.state))));
    tray.setToolTip(trayTooltip(s.state, s.error));
    tray.setContextMenu(e.Menu.buildFromTemplate(trayMenu(s.state, s.error).map((i) => (i.type === 'separator' ? { type: 'separator' as const } : { label: i.label, enabled: i.enabled, click: i.action ? act[i.action] : undefined }))));
  };

  cluster.on('status', (s) => {
    refreshTray();
    if (win && !win.isDestroyed()) {
      win.webContents.send('skiff:status-changed', s);
      if (s.state === 'running' && cluster.dashboardUrl) void win.loadURL(cluster.dashboardUrl);
    }
  });

  app.on('second-instance', () => openDashboard());
  app.on('window-all-closed', () => {
    /* keep running in the tray */
  });
  app.on('before-quit', (ev) => {
    if (!quitting) {
      ev.preventDefault();
      void quit();
    }
  });

  await app.whenReady();
  e.Menu.setApplicationMenu(
    e.Menu.buildFromTemplate(
      appMenu({ openDashboard, mergeKubeconfig: act['merge-kubeconfig'], installShim: act['install-kubectl'], copyKubeconfigPath: act['copy-kubeconfig'], start: act.start, stop: act.stop, restart: act.restart }),
    ),
  );
  tray = new e.Tray(e.nativeImage.createFromPath(join(assets, 'tray', trayIcon('stopped'))));
  tray.on('click', openDashboard);
  refreshTray();
  if (settings.get().startOnLaunch || !existsSync(join(dataDir, 'kubeconfig'))) await cluster.start();
  openDashboard();
}

// Run when Electron starts this file (not when tests import it).
if (process.versions.electron) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
