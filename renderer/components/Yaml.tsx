/**
 * YAML view/edit/apply. Apply is a PUT of the edited object (the server validates; its Status
 * message and causes are shown as written). Create posts to the collection named by the
 * document's apiVersion/kind, resolved through discovery for kinds the UI doesn't know.
 */
import { useMemo, useState, type KeyboardEvent } from 'react';
import { parseAllDocuments } from 'yaml';
import { ApiError, create, patch, replace, resolveKind } from '../lib/api';
import { editPatch } from '../lib/mergePatch';
import type { KubeObject } from '../lib/listState';
import type { KindInfo } from '../lib/kinds';
import { editableYaml, highlightLine } from './yamlText';
import { toast } from './Toasts';
import { Modal } from './Dialog';

export function YamlBlock({ text }: { text: string }) {
  const lines = useMemo(() => text.split('\n'), [text]);
  return (
    <pre className="code" data-testid="yaml-view">
      {lines.map((l, i) => (
        <div key={i}>
          {highlightLine(l).map((s, j) => (
            <span key={j} className={s.cls}>
              {s.text}
            </span>
          ))}
          {l === '' ? '\n' : null}
        </div>
      ))}
    </pre>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as Error;
  const causes = e instanceof ApiError ? e.causes : [];
  return (
    <div className="error-box" role="alert" data-testid="apply-error">
      {e.message}
      {causes.length > 0 && (
        <ul>
          {causes.map((c, i) => (
            <li key={i}>
              {c.field ? <b>{c.field}: </b> : null}
              {c.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Tab key inserts two spaces instead of leaving the editor. */
function onEditorKey(e: KeyboardEvent<HTMLTextAreaElement>): void {
  if (e.key !== 'Tab') return;
  e.preventDefault();
  const t = e.currentTarget;
  const s = t.selectionStart;
  t.setRangeText('  ', s, t.selectionEnd, 'end');
}

export function parseDocs(text: string): Record<string, unknown>[] {
  const docs = parseAllDocuments(text);
  const out: Record<string, unknown>[] = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`YAML: ${d.errors[0].message}`);
    const v = d.toJSON() as unknown;
    if (v === null || v === undefined) continue;
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error('each YAML document must be an object');
    out.push(v as Record<string, unknown>);
  }
  return out;
}

export function YamlTab({ ctx, kind, obj }: { ctx: string; kind: KindInfo; obj: KubeObject }) {
  const [editing, setEditing] = useState<string | null>(null);
  const [base, setBase] = useState<KubeObject | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const text = useMemo(() => editableYaml(obj), [obj]);
  const apply = async () => {
    if (editing === null) return;
    setBusy(true);
    setError(null);
    try {
      const docs = parseDocs(editing);
      if (docs.length !== 1) throw new Error('expected exactly one YAML document');
      const next = docs[0] as unknown as KubeObject;
      if (next.metadata?.name !== obj.metadata.name) throw new Error('metadata.name cannot be changed here (create a new object instead)');
      try {
        await replace(ctx, kind, next);
      } catch (e) {
        // Someone (often a controller writing status) changed the object since the edit began:
        // apply just the user's changes to the latest version, as `kubectl edit` does.
        if (!(e instanceof ApiError && e.code === 409) || !base) throw e;
        const p = editPatch(base as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>);
        if (p !== undefined) await patch(ctx, kind, obj.metadata.namespace, obj.metadata.name, p, 'merge');
      }
      setEditing(null);
      toast(`${kind.kind} ${obj.metadata.name} updated`, 'ok');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (editing === null) {
    return (
      <div>
        <div className="row-gap" style={{ marginBottom: 10 }}>
          <button
            className="btn sm"
            onClick={() => {
              setBase(obj);
              setEditing(text);
            }}
            data-testid="yaml-edit"
          >
            Edit
          </button>
          <button className="btn sm ghost" onClick={() => void navigator.clipboard?.writeText(text).then(() => toast('YAML copied', 'ok'))}>
            Copy
          </button>
        </div>
        <YamlBlock text={text} />
      </div>
    );
  }
  return (
    <div className="yaml-editor">
      <div className="row-gap">
        <button className="btn sm primary" disabled={busy} onClick={() => void apply()} data-testid="yaml-apply">
          Apply
        </button>
        <button
          className="btn sm"
          onClick={() => {
            setEditing(null);
            setError(null);
          }}
        >
          Cancel
        </button>
        <span className="muted">Applies with PUT; if the object changed meanwhile, only your edits are applied (as kubectl edit).</span>
      </div>
      <ErrorBox error={error} />
      <textarea className="textarea" spellCheck={false} value={editing} onChange={(e) => setEditing(e.target.value)} onKeyDown={onEditorKey} data-testid="yaml-editor" aria-label="YAML editor" />
    </div>
  );
}

export function CreateDialog({ ctx, namespace, initial, onClose }: { ctx: string; namespace: string; initial: string; onClose: () => void }) {
  const [text, setText] = useState(initial);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const docs = parseDocs(text);
      if (docs.length === 0) throw new Error('nothing to create');
      for (const d of docs) {
        const apiVersion = String(d.apiVersion ?? '');
        const kindName = String(d.kind ?? '');
        if (!apiVersion || !kindName) throw new Error('apiVersion and kind are required');
        const k = await resolveKind(ctx, apiVersion, kindName);
        const meta = (d.metadata ?? {}) as { namespace?: string; name?: string };
        const ns = k.namespaced ? (meta.namespace ?? (namespace || 'default')) : undefined;
        const created = await create(ctx, k, ns, d);
        toast(`${kindName} ${created.metadata.name} created`, 'ok');
      }
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal onClose={onClose} wide>
      <h2>Create from YAML</h2>
      <div className="yaml-editor" style={{ minHeight: 0 }}>
        <ErrorBox error={error} />
        <textarea className="textarea" spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onEditorKey} autoFocus data-testid="create-editor" aria-label="YAML to create" />
      </div>
      <div className="buttons">
        <span className="muted" style={{ marginRight: 'auto' }}>
          Several documents separated by <code>---</code> are created in order.
        </span>
        <button className="btn" onClick={onClose}>
          Cancel
        </button>
        <button className="btn primary" disabled={busy} onClick={() => void submit()} data-testid="create-submit">
          Create
        </button>
      </div>
    </Modal>
  );
}
