/**
 * Local port-forwards live in the dashboard backend (it owns the listeners). The list is
 * refreshed when the backend announces a change on its event stream — never polled.
 */
import { useQuery } from '@tanstack/react-query';
import { queryClient } from './queryClient';
import { mux } from './mux';

export interface PortForward {
  id: string;
  context: string;
  namespace: string;
  pod?: string;
  service?: string;
  port: number;
  localPort: number;
  targetPod: string;
  targetPort: number;
  mode: 'tunnel' | 'http-proxy';
  url: string;
  connections: number;
  startedAt: string;
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin', ...init, headers: { 'Content-Type': 'application/json', ...(init?.headers ?? {}) } });
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

export function usePortForwards() {
  return useQuery({ queryKey: ['skiff', 'portforwards'], queryFn: () => json<{ items: PortForward[] }>('/skiff/portforwards').then((r) => r.items) });
}

export async function startPortForward(spec: { context: string; namespace: string; pod?: string; service?: string; port: number; localPort?: number }): Promise<PortForward> {
  const r = await json<PortForward>('/skiff/portforwards', { method: 'POST', body: JSON.stringify(spec) });
  void queryClient.invalidateQueries({ queryKey: ['skiff', 'portforwards'] });
  return r;
}

export async function stopPortForward(id: string): Promise<void> {
  await json(`/skiff/portforwards/${encodeURIComponent(id)}`, { method: 'DELETE' });
  void queryClient.invalidateQueries({ queryKey: ['skiff', 'portforwards'] });
}

export interface ContextInfo {
  name: string;
  cluster: string;
  server: string;
  user: string;
  namespace?: string;
  bundled: boolean;
  current: boolean;
}

export function useContexts() {
  return useQuery({ queryKey: ['skiff', 'contexts'], queryFn: () => json<{ contexts: ContextInfo[]; errors: string[] }>('/skiff/contexts') });
}

export async function fetchInfo(): Promise<{ bundledContext: string | null }> {
  return json('/skiff/info');
}

/** The backend's change notifications (over the stream multiplexer) → cache invalidation. */
export function listenBackendEvents(): () => void {
  const a = mux.on('contexts', () => void queryClient.invalidateQueries({ queryKey: ['skiff', 'contexts'] }));
  const b = mux.on('portforwards', () => void queryClient.invalidateQueries({ queryKey: ['skiff', 'portforwards'] }));
  return () => {
    a();
    b();
  };
}
