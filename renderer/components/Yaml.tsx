/**
 * YAML view/edit/apply. Apply is a PUT of the edited object (the server validates; its Status
 * message and causes are shown as written). Create posts to the collection named by the
 * document's apiVersion/kind, resolved through discovery for kinds the UI doesn't know.
 */
import { lazy, Suspense, useMemo, useRef, useState } from 'react';
import { parseAllDocuments } from 'yaml';
import { ApiError, create, patch, replace, resolveKind } from '../lib/api';
import { editPatch } from '../lib/mergePatch';
import type { KubeObject } from '../lib/listState';
import type { KindInfo } from '../lib/kinds';
import { locateField } from '../lib/yamlPaths';
import { editableYaml, highlightLine } from './yamlText';
import { toast } from './Toasts';
import { Modal } from './Dialog';
import { Icon } from './Icons';
import type { Diagnostic } from './editor/CodeEditor';
import { TEMPLATE_CHOICES, templateFor } from '../resources/templates';
import { kindByKey } from '../lib/kinds';

// CodeMirror is loaded on first edit: it stays out of the startup bundle.
const CodeEditor = lazy(() => import('./editor/CodeEditor').then((m) => ({ default: m.CodeEditor })));

export function YamlBlock({ text, numbered }: { text: string; numbered?: boolean }) {
  const lines = useMemo(() => text.split('\n'), [text]);
  return (
    <pre className={`code${numbered ? ' numbered' : ''}`} data-testid="yaml-view">
      {lines.map((l, i) => (
        <div key={i}>
          {numbered ? <span className="ln">{i + 1}</span> : null}
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

/** A YAML syntax error with its offset in the text (shown on its line in the editor). */
export class YamlSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: [number, number],
  ) {
    super(message);
  }
}

export function parseDocs(text: string): Record<string, unknown>[] {
  const docs = parseAllDocuments(text);
  const out: Record<string, unknown>[] = [];
  for (const d of docs) {
    if (d.errors.length) {
      const e = d.errors[0];
      throw new YamlSyntaxError(`YAML: ${e.message.split('\n')[0]}`, e.pos);
    }
    const v = d.toJSON() as unknown;
    if (v === null || v === undefined) continue;
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error('each YAML document must be an object');
    out.push(v as Record<string, unknown>);
  }
  return out;
}

/**
 * Inline markers for an apply error: YAML syntax errors at their offset; the server's
 * validation causes on the field they name (`spec.replicas`), found in the text.
 */
export function diagnosticsFor(text: string, error: unknown, docIndex = 0): Diagnostic[] {
  if (error instanceof YamlSyntaxError) return [{ from: error.pos[0], to: Math.max(error.pos[1], error.pos[0] + 1), message: error.message.replace(/^YAML: /, '') }];
  if (!(error instanceof ApiError)) return [];
  const out: Diagnostic[] = [];
  const causes = error.causes.filter((c) => c.field);
  // Older servers put the fields only in the message: "… is invalid: spec.replicas: Invalid value…".
  if (causes.length === 0) {
    const m = /is invalid: ([a-zA-Z][\w.[\]/-]*): (.*)$/.exec(error.message);
    if (m) causes.push({ field: m[1], message: m[2] });
    // Decoding errors: "cannot unmarshal string into Go struct field DeploymentSpec.spec.minReadySeconds of type int32".
    const d = /Go struct field \w+\.([\w.[\]]+) of type (\w+)/.exec(error.message);
    if (d) causes.push({ field: d[1], message: `expected ${d[2]}` });
    // Strict field validation: unknown field "spec.replica".
    for (const u of error.message.matchAll(/unknown field "([^"]+)"/g)) causes.push({ field: u[1], message: 'unknown field' });
  }
  for (const c of causes) {
    const at = locateField(text, c.field ?? '', docIndex);
    if (at) out.push({ from: at.from, to: at.to, message: `${c.field}: ${c.message ?? c.reason ?? 'invalid'}` });
  }
  return out;
}

function EditorFallback() {
  return <div className="code-editor loading">Loading editor…</div>;
}

export function YamlTab({ ctx, kind, obj }: { ctx: string; kind: KindInfo; obj: KubeObject }) {
  const [editing, setEditing] = useState<string | null>(null);
  const [base, setBase] = useState<KubeObject | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [diags, setDiags] = useState<Diagnostic[]>([]);
  const [busy, setBusy] = useState(false);
  const text = useMemo(() => editableYaml(obj), [obj]);
  const latest = useRef<string>('');
  latest.current = editing ?? '';
  const apply = async () => {
    if (editing === null || busy) return;
    const src = latest.current;
    setBusy(true);
    setError(null);
    setDiags([]);
    try {
      const docs = parseDocs(src);
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
      setDiags(diagnosticsFor(src, e));
    } finally {
      setBusy(false);
    }
  };
  if (editing === null) {
    return (
      <div className="yaml-pane">
        <div className="yaml-toolbar">
          <button
            className="btn sm primary"
            onClick={() => {
              setBase(obj);
              setEditing(text);
              setError(null);
              setDiags([]);
            }}
            data-testid="yaml-edit"
          >
            <Icon name="edit" size={14} /> Edit
          </button>
          <button className="btn sm" onClick={() => void navigator.clipboard?.writeText(text).then(() => toast('YAML copied', 'ok'))}>
            Copy
          </button>
          <span className="muted" style={{ marginLeft: 'auto' }}>
            {text.split('\n').length - 1} lines · managedFields hidden
          </span>
        </div>
        <YamlBlock text={text} numbered />
      </div>
    );
  }
  const changedOnServer = base && base.metadata.resourceVersion !== obj.metadata.resourceVersion;
  return (
    <div className="yaml-editor" data-testid="yaml-editing">
      <div className="yaml-toolbar">
        <button className="btn sm primary" disabled={busy} onClick={() => void apply()} data-testid="yaml-apply" title="Apply (Ctrl/⌘ S)">
          {busy ? 'Applying…' : 'Apply'}
        </button>
        <button
          className="btn sm"
          onClick={() => {
            setEditing(null);
            setError(null);
            setDiags([]);
          }}
          data-testid="yaml-cancel"
        >
          Cancel
        </button>
        <span className="editor-hints">
          <span className="kbd">Ctrl S</span> apply <span className="kbd">Ctrl F</span> find <span className="kbd">Ctrl Z</span> undo <span className="kbd">Ctrl /</span> comment
        </span>
      </div>
      {changedOnServer ? (
        <div className="info-box" data-testid="yaml-changed">
          The object changed on the server while you edit (resourceVersion {base?.metadata.resourceVersion} → {obj.metadata.resourceVersion}). Apply sends only your edits, merged into the latest version — as kubectl edit does.
        </div>
      ) : null}
      <ErrorBox error={error} />
      <Suspense fallback={<EditorFallback />}>
        <CodeEditor value={editing} onChange={setEditing} onSave={() => void apply()} diagnostics={diags} autoFocus testId="yaml-editor" ariaLabel="YAML editor" />
      </Suspense>
    </div>
  );
}

export function CreateDialog({ ctx, namespace, initial, initialKind, onClose }: { ctx: string; namespace: string; initial: string; initialKind?: string; onClose: () => void }) {
  const [text, setText] = useState(initial);
  const [template, setTemplate] = useState(initialKind ?? 'deployments');
  const [error, setError] = useState<unknown>(null);
  const [diags, setDiags] = useState<Diagnostic[]>([]);
  const [busy, setBusy] = useState(false);
  const latest = useRef(text);
  latest.current = text;
  const choices = !initialKind || TEMPLATE_CHOICES.some((c) => c.key === initialKind) ? TEMPLATE_CHOICES : [{ key: initialKind, title: kindByKey(initialKind).kind }, ...TEMPLATE_CHOICES];
  const submit = async () => {
    if (busy) return;
    const src = latest.current;
    setBusy(true);
    setError(null);
    setDiags([]);
    let index = 0;
    try {
      const docs = parseDocs(src);
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
        index++;
      }
      onClose();
    } catch (e) {
      setError(e);
      setDiags(diagnosticsFor(src, e, index));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal onClose={onClose} wide>
      <div className="dialog-head">
        <h2>Create from YAML</h2>
        <label className="template-pick">
          <span className="muted">Template</span>
          <select
            className="select"
            value={template}
            onChange={(e) => {
              setTemplate(e.target.value);
              setText(templateFor(kindByKey(e.target.value), namespace || 'default'));
            }}
            data-testid="create-template"
            aria-label="Template"
          >
            {choices.map((c) => (
              <option key={c.key} value={c.key}>
                {c.title}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="yaml-editor" style={{ minHeight: 0, flex: 1 }}>
        <ErrorBox error={error} />
        <Suspense fallback={<EditorFallback />}>
          <CodeEditor value={text} onChange={setText} onSave={() => void submit()} diagnostics={diags} autoFocus testId="create-editor" ariaLabel="YAML to create" />
        </Suspense>
      </div>
      <div className="buttons">
        <span className="muted" style={{ marginRight: 'auto' }}>
          Several documents separated by <code>---</code> are created in order. <span className="kbd">Ctrl S</span> creates.
        </span>
        <button className="btn" onClick={onClose}>
          Cancel
        </button>
        <button className="btn primary" disabled={busy} onClick={() => void submit()} data-testid="create-submit">
          {busy ? 'Creating…' : 'Create'}
        </button>
      </div>
    </Modal>
  );
}
