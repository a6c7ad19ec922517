/** Transient notifications (action results and errors). */
import { useSyncExternalStore } from 'react';

export interface Toast {
  id: number;
  text: string;
  kind: 'ok' | 'error' | 'info';
}

let toasts: Toast[] = [];
let seq = 0;
const subs = new Set<() => void>();
const emit = () => subs.forEach((s) => s());

export function toast(text: string, kind: Toast['kind'] = 'info'): void {
  const t = { id: ++seq, text, kind };
  toasts = [...toasts, t].slice(-5);
  emit();
  setTimeout(() => {
    toasts = toasts.filter((x) => x.id !== t.id);
    emit();
  }, kind === 'error' ? 8000 : 3500);
}

export function toastError(e: unknown): void {
  toast(e instanceof Error ? e.message : String(e), 'error');
}

export function Toasts() {
  const list = useSyncExternalStore(
    (fn) => {
      subs.add(fn);
      return () => subs.delete(fn);
    },
    () => toasts,
  );
  return (
    <div className="toasts" role="status">
      {list.map((t) => (
        <div key={t.id} className={`toast ${t.kind}`}>
          {t.text}
        </div>
      ))}
    </div>
  );
}
