/**
 * The tray's model: which icon, tooltip and menu items a cluster state shows, and what Quit does.
 * Pure data — index.ts turns it into an Electron Tray/Menu — so it is unit-tested under Node.
 */
import type { ClusterState, Settings } from './ipc/contract.cjs';

export type TrayAction = 'open' | 'start' | 'stop' | 'restart' | 'copy-kubeconfig' | 'merge-kubeconfig' | 'install-kubectl' | 'quit';

export interface TrayItem {
  type: 'normal' | 'separator' | 'label';
  label?: string;
  action?: TrayAction;
  enabled?: boolean;
}

export const TRAY_ICONS: Record<ClusterState, string> = {
  stopped: 'tray-stopped.png',
  starting: 'tray-starting.png',
  stopping: 'tray-starting.png',
  running: 'tray-running.png',
  error: 'tray-error.png',
};

const STATE_LABEL: Record<ClusterState, string> = {
  stopped: 'Cluster stopped',
  starting: 'Cluster starting…',
  stopping: 'Cluster stopping…',
  running: 'Cluster running',
  error: 'Cluster error',
};

export function trayIcon(state: ClusterState): string {
  return TRAY_ICONS[state];
}

export function trayTooltip(state: ClusterState, error?: string): string {
  return `Skiff — ${STATE_LABEL[state]}${state === 'error' && error ? `: ${error}` : ''}`;
}

export function trayMenu(state: ClusterState, error?: string): TrayItem[] {
  const busy = state === 'starting' || state === 'stopping';
  const up = state === 'running';
  return [
    { type: 'label', label: state === 'error' && error ? `${STATE_LABEL[state]}: ${error.slice(0, 60)}` : STATE_LABEL[state], enabled: false },
    { type: 'separator' },
    { type: 'normal', label: 'Open Dashboard', action: 'open', enabled: up },
    { type: 'separator' },
    { type: 'normal', label: 'Start', action: 'start', enabled: state === 'stopped' || state === 'error' },
    { type: 'normal', label: 'Stop', action: 'stop', enabled: up },
    { type: 'normal', label: 'Restart', action: 'restart', enabled: up || state === 'error' },
    { type: 'separator' },
    { type: 'normal', label: 'Copy Kubeconfig Path', action: 'copy-kubeconfig', enabled: !busy },
    { type: 'normal', label: 'Add “skiff” Context to ~/.kube/config', action: 'merge-kubeconfig', enabled: true },
    { type: 'normal', label: 'Install kubectl Shim', action: 'install-kubectl', enabled: true },
    { type: 'separator' },
    { type: 'normal', label: 'Quit Skiff', action: 'quit', enabled: true },
  ];
}

/**
 * What Quit does: with the cluster stopped there is nothing to ask; otherwise the setting
 * decides, and 'ask' means a dialog whose default is "Stop".
 */
export function quitPlan(state: ClusterState, onQuit: Settings['onQuit']): 'quit' | 'ask' | 'stop-then-quit' {
  if (state === 'stopped' || state === 'error') return 'quit';
  if (onQuit === 'ask') return 'ask';
  return onQuit === 'stop' ? 'stop-then-quit' : 'quit';
}
