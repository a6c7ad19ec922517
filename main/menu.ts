/** The application menu as data (index.ts binds the actions). */
import type { MenuItemOptions } from './electron.js';

export interface MenuActions {
  openDashboard(): void;
  mergeKubeconfig(): void;
  installShim(): void;
  copyKubeconfigPath(): void;
  start(): void;
  stop(): void;
  restart(): void;
}

export function appMenu(a: MenuActions, platform: NodeJS.Platform = process.platform): MenuItemOptions[] {
  const mac = platform === 'darwin';
  return [
    ...(mac ? [{ label: 'Skiff', submenu: [{ role: 'about' }, { type: 'separator' as const }, { role: 'hide' }, { role: 'hideOthers' }, { type: 'separator' as const }, { role: 'quit' }] }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Dashboard', accelerator: 'CmdOrCtrl+D', click: a.openDashboard },
        { type: 'separator' },
        { label: 'Add “skiff” Context to ~/.kube/config', click: a.mergeKubeconfig },
        { label: 'Install kubectl Shim…', click: a.installShim },
        { label: 'Copy Kubeconfig Path', click: a.copyKubeconfigPath },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'Cluster',
      submenu: [
        { label: 'Start', click: a.start },
        { label: 'Stop', click: a.stop },
        { label: 'Restart', click: a.restart },
      ],
    },
    { label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    { label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
    { label: 'Window', submenu: [{ role: 'minimize' }, { role: 'zoom' }] },
  ];
}
