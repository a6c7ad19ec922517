/** Modal dialogs: confirm and a numeric prompt (scale). Esc closes, Enter confirms. */
import { useEffect, useRef, useState, type ReactNode } from 'react';

export function Modal({ onClose, children, wide }: { onClose: () => void; children: ReactNode; wide?: boolean }) {
  useEffect(() => {
    const k = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        // Esc in an editor with its find panel open closes the panel, not the dialog.
        const ed = (e.target as HTMLElement | null)?.closest?.('.cm-editor');
        if (ed?.querySelector('.cm-panel')) return;
        e.stopPropagation();
        onClose();
      }
    };
    window.addEventListener('keydown', k, true);
    return () => window.removeEventListener('keydown', k, true);
  }, [onClose]);
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`dialog${wide ? ' wide' : ''}`} role="dialog" aria-modal="true">
        {children}
      </div>
    </div>
  );
}

export function Confirm({ title, body, confirm, danger, onConfirm, onClose }: { title: string; body: ReactNode; confirm: string; danger?: boolean; onConfirm: () => Promise<void> | void; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      await onConfirm();
      onClose();
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal onClose={onClose}>
      <h2>{title}</h2>
      <p>{body}</p>
      <div className="buttons">
        <button className="btn" onClick={onClose}>
          Cancel
        </button>
        <button className={`btn ${danger ? 'danger solid' : 'primary'}`} disabled={busy} onClick={() => void run()} autoFocus data-testid="confirm">
          {confirm}
        </button>
      </div>
    </Modal>
  );
}

export function NumberPrompt({ title, label, initial, onSubmit, onClose }: { title: string; label: string; initial: number; onSubmit: (n: number) => Promise<void>; onClose: () => void }) {
  const [v, setV] = useState(String(initial));
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => ref.current?.select(), []);
  const n = Number(v);
  const valid = v.trim() !== '' && Number.isInteger(n) && n >= 0;
  const submit = async () => {
    if (!valid) return;
    setBusy(true);
    try {
      await onSubmit(n);
      onClose();
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal onClose={onClose}>
      <h2>{title}</h2>
      <p>{label}</p>
      <div className="row-gap">
        <button className="btn icon-btn" onClick={() => setV(String(Math.max(0, (Number(v) || 0) - 1)))}>
          −
        </button>
        <input ref={ref} className="input" style={{ width: 90, textAlign: 'center' }} value={v} onChange={(e) => setV(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && void submit()} data-testid="replicas" aria-label="replicas" />
        <button className="btn icon-btn" onClick={() => setV(String((Number(v) || 0) + 1))}>
          +
        </button>
      </div>
      <div className="buttons">
        <button className="btn" onClick={onClose}>
          Cancel
        </button>
        <button className="btn primary" disabled={!valid || busy} onClick={() => void submit()} data-testid="confirm">
          Apply
        </button>
      </div>
    </Modal>
  );
}
