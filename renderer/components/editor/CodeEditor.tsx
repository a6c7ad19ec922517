/**
 * The YAML editor: CodeMirror 6 with the YAML language (Lezer parser), line numbers, folding,
 * bracket matching, undo history, find/replace, YAML-aware indentation and inline error
 * markers — themed from the app's CSS variables, so it follows the dark/light switch.
 *
 * The component is uncontrolled after mount (CodeMirror owns the text); `value` changes from
 * outside (a different template picked) replace the document. `onChange` gets every edit.
 */
import { useEffect, useRef } from 'react';
import { Compartment, EditorState, Prec, RangeSetBuilder, StateEffect, StateField, type Extension } from '@codemirror/state';
import {
  Decoration,
  EditorView,
  ViewPlugin,
  WidgetType,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  type DecorationSet,
  type ViewUpdate,
} from '@codemirror/view';
import { HighlightStyle, bracketMatching, foldGutter, foldKeymap, indentUnit, syntaxHighlighting, syntaxTree } from '@codemirror/language';
import { closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete';
import { yaml } from '@codemirror/lang-yaml';
import { tags as t } from '@lezer/highlight';
import { cursorDocEnd, cursorDocStart, deleteIndentBackward, history, indentLess, indentMore, insertNewlineAndIndent, noHistory, redo, selectAll, toggleComment, undo } from './commands';
import { closeSearch, findNext, findPrevious, openSearch, search } from './search';

export interface Diagnostic {
  from: number;
  to: number;
  message: string;
}

// ---- theme: every colour is a CSS variable of the app (styles.css), so one theme fits both.

const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '12.5px', backgroundColor: 'var(--code-bg)', color: 'var(--text)', border: '1px solid var(--border)', borderRadius: 'var(--radius)', overflow: 'hidden' },
  '&.cm-focused': { outline: 'none', borderColor: 'var(--accent)', boxShadow: '0 0 0 3px var(--accent-bg)' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.6' },
  '.cm-content': { padding: '8px 0', caretColor: 'var(--accent)' },
  '.cm-line': { padding: '0 14px 0 6px' },
  '.cm-gutters': { backgroundColor: 'var(--code-bg)', color: 'var(--text-3)', border: 'none', borderRight: '1px solid var(--border)' },
  '.cm-lineNumbers .cm-gutterElement': { padding: '0 8px 0 12px', minWidth: '34px' },
  '.cm-foldGutter .cm-gutterElement': { padding: '0 4px', cursor: 'pointer', color: 'var(--text-3)' },
  '.cm-activeLine': { backgroundColor: 'var(--hover)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--hover)', color: 'var(--text)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--accent)', borderLeftWidth: '2px' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'var(--editor-selection) !important' },
  '.cm-matchingBracket': { backgroundColor: 'var(--accent-bg)', outline: '1px solid var(--accent)' },
  '.cm-foldPlaceholder': { backgroundColor: 'var(--muted-bg)', border: 'none', color: 'var(--text-2)', padding: '0 6px', borderRadius: '4px' },
  '.cm-panels': { backgroundColor: 'var(--panel-2)', color: 'var(--text)' },
  '.cm-panels-top': { borderBottom: '1px solid var(--border)' },
  '.cm-skiff-search': { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: '6px 14px', padding: '8px 40px 8px 10px', position: 'relative', fontFamily: 'var(--font)', fontSize: '12px' },
  '.cm-skiff-row': { display: 'flex', alignItems: 'center', gap: '4px' },
  '.cm-skiff-search input': { height: '26px', width: '200px', border: '1px solid var(--border-2)', borderRadius: '6px', background: 'var(--panel)', color: 'var(--text)', padding: '0 8px', outline: 'none', font: 'inherit' },
  '.cm-skiff-search input:focus': { borderColor: 'var(--accent)', boxShadow: '0 0 0 3px var(--accent-bg)' },
  '.cm-skiff-btn': { height: '26px', minWidth: '26px', border: '1px solid transparent', borderRadius: '6px', background: 'transparent', color: 'var(--text-2)', cursor: 'pointer', font: 'inherit', fontWeight: '600', padding: '0 6px' },
  '.cm-skiff-btn:hover': { background: 'var(--hover)', color: 'var(--text)', borderColor: 'var(--border-2)' },
  '.cm-skiff-btn.toggle.on': { background: 'var(--accent-bg)', color: 'var(--accent)', borderColor: 'var(--accent)' },
  '.cm-skiff-btn.text': { border: '1px solid var(--border-2)', background: 'var(--panel)' },
  '.cm-skiff-btn.close': { position: 'absolute', right: '8px', top: '8px', fontSize: '16px', lineHeight: '1' },
  '.cm-skiff-count': { color: 'var(--text-3)', marginLeft: '4px', minWidth: '64px', fontVariantNumeric: 'tabular-nums' },
  '.cm-skiff-count.none': { color: 'var(--bad)' },
  '.cm-skiff-match': { backgroundColor: 'var(--warn-bg)', outline: '1px solid color-mix(in srgb, var(--warn) 55%, transparent)', borderRadius: '2px' },
  '.cm-skiff-match.current': { backgroundColor: 'color-mix(in srgb, var(--warn) 45%, transparent)' },
  '.cm-skiff-num, .cm-skiff-num *': { color: 'var(--y-num) !important' },
  '.cm-skiff-errline': { backgroundColor: 'var(--bad-bg)', boxShadow: 'inset 3px 0 0 var(--bad)' },
  '.cm-skiff-errmark': { textDecoration: 'underline wavy var(--bad)', textUnderlineOffset: '3px' },
  '.cm-skiff-errmsg': { margin: '2px 14px 4px 34px', padding: '5px 10px', borderRadius: '6px', background: 'var(--bad-bg)', color: 'var(--bad)', fontFamily: 'var(--font)', fontSize: '12px', lineHeight: '1.4', border: '1px solid color-mix(in srgb, var(--bad) 40%, transparent)' },
  '.cm-skiff-errmsg::before': { content: '"⚠ "' },
});

const highlight = HighlightStyle.define([
  { tag: t.definition(t.propertyName), color: 'var(--y-key)' },
  { tag: [t.string, t.special(t.string)], color: 'var(--y-str)' },
  { tag: t.content, color: 'var(--y-str)' },
  { tag: [t.lineComment, t.comment], color: 'var(--text-3)', fontStyle: 'italic' },
  { tag: [t.meta, t.keyword], color: 'var(--y-meta)' },
  { tag: [t.labelName, t.typeName], color: 'var(--y-meta)' },
  { tag: t.separator, color: 'var(--text-3)' },
  { tag: [t.squareBracket, t.brace, t.punctuation], color: 'var(--text-2)' },
]);

// Plain scalars that are numbers, booleans or null get their own colour (the YAML grammar
// tags every plain scalar as `content`).
const scalarMark = Decoration.mark({ class: 'cm-skiff-num' });
const SCALAR = /^(?:-?(?:\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+)|true|false|True|False|null|~)$/;
const scalars = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(v: EditorView) {
      this.decorations = this.build(v);
    }
    update(u: ViewUpdate) {
      if (u.docChanged || u.viewportChanged || syntaxTree(u.startState) !== syntaxTree(u.state)) this.decorations = this.build(u.view);
    }
    build(v: EditorView): DecorationSet {
      const b = new RangeSetBuilder<Decoration>();
      for (const { from, to } of v.visibleRanges) {
        syntaxTree(v.state).iterate({
          from,
          to,
          enter: (n) => {
            if (n.name !== 'Literal' || n.node.parent?.name === 'Key') return;
            if (SCALAR.test(v.state.sliceDoc(n.from, n.to))) b.add(n.from, n.to, scalarMark);
          },
        });
      }
      return b.finish();
    }
  },
  { decorations: (p) => p.decorations },
);

// ---- inline errors: the line is marked, the message shown under it.

const setDiagnostics = StateEffect.define<Diagnostic[]>();

class MessageWidget extends WidgetType {
  constructor(readonly message: string) {
    super();
  }
  override eq(o: MessageWidget): boolean {
    return o.message === this.message;
  }
  toDOM(): HTMLElement {
    const d = document.createElement('div');
    d.className = 'cm-skiff-errmsg';
    d.setAttribute('data-testid', 'editor-error');
    d.textContent = this.message;
    return d;
  }
}

const diagnosticsField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(set, tr) {
    for (const e of tr.effects) {
      if (!e.is(setDiagnostics)) continue;
      const doc = tr.state.doc;
      const ranges: { from: number; to: number; deco: Decoration }[] = [];
      const byLine = new Map<number, string[]>();
      for (const d of e.value) {
        const from = Math.max(0, Math.min(d.from, doc.length));
        const to = Math.max(from, Math.min(d.to, doc.length));
        const line = doc.lineAt(from);
        // The mark covers the first line of the range (a whole mapping would underline a block).
        const markTo = Math.min(to, line.to);
        if (markTo > from) ranges.push({ from, to: markTo, deco: Decoration.mark({ class: 'cm-skiff-errmark' }) });
        byLine.set(line.number, [...(byLine.get(line.number) ?? []), d.message]);
      }
      for (const [n, msgs] of byLine) {
        const line = doc.line(n);
        ranges.push({ from: line.from, to: line.from, deco: Decoration.line({ class: 'cm-skiff-errline' }) });
        ranges.push({ from: line.to, to: line.to, deco: Decoration.widget({ widget: new MessageWidget(msgs.join('\n')), block: true, side: 1 }) });
      }
      return Decoration.set(
        ranges.map((r) => r.deco.range(r.from, r.to)),
        true,
      );
    }
    return set.map(tr.changes);
  },
  provide: (f) => EditorView.decorations.from(f),
});

function editorKeymap(onSave: () => void): Extension {
  return Prec.high(
    keymap.of([
      { key: 'Mod-s', run: () => (onSave(), true), preventDefault: true },
      { key: 'Enter', run: insertNewlineAndIndent },
      { key: 'Tab', run: indentMore, shift: indentLess },
      { key: 'Backspace', run: deleteIndentBackward },
      { key: 'Mod-z', run: undo, preventDefault: true },
      { key: 'Mod-y', run: redo, preventDefault: true },
      { key: 'Mod-Shift-z', run: redo, preventDefault: true },
      { key: 'Mod-/', run: toggleComment },
      { key: 'Mod-a', run: selectAll },
      { key: 'Mod-Home', run: cursorDocStart, preventDefault: true },
      { key: 'Mod-End', run: cursorDocEnd, preventDefault: true },
      { key: 'Mod-f', run: openSearch, preventDefault: true },
      { key: 'F3', run: findNext, shift: findPrevious, preventDefault: true },
      { key: 'Mod-g', run: findNext, shift: findPrevious, preventDefault: true },
      { key: 'Escape', run: closeSearch },
      ...closeBracketsKeymap,
      ...foldKeymap,
    ]),
  );
}

function isDark(): boolean {
  return document.documentElement.dataset.theme !== 'light';
}

export interface CodeEditorProps {
  value: string;
  onChange: (text: string) => void;
  /** Mod-S. */
  onSave?: () => void;
  diagnostics?: Diagnostic[];
  autoFocus?: boolean;
  testId?: string;
  ariaLabel?: string;
}

export function CodeEditor({ value, onChange, onSave, diagnostics, autoFocus, testId, ariaLabel }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const cb = useRef({ onChange, onSave });
  cb.current = { onChange, onSave };

  useEffect(() => {
    const darkness = new Compartment();
    const view = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          EditorView.lineWrapping,
          foldGutter({ openText: '▾', closedText: '▸' }),
          highlightActiveLineGutter(),
          highlightSpecialChars(),
          history(),
          drawSelection(),
          EditorState.allowMultipleSelections.of(true),
          EditorState.tabSize.of(2),
          indentUnit.of('  '),
          bracketMatching(),
          closeBrackets(),
          highlightActiveLine(),
          yaml(),
          syntaxHighlighting(highlight),
          scalars,
          search(),
          diagnosticsField,
          editorKeymap(() => cb.current.onSave?.()),
          theme,
          darkness.of(EditorView.darkTheme.of(isDark())),
          EditorView.contentAttributes.of({ 'aria-label': ariaLabel ?? 'YAML editor', spellcheck: 'false', autocorrect: 'off', autocapitalize: 'off' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) cb.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    viewRef.current = view;
    // Follow the app's theme switch.
    const mo = new MutationObserver(() => view.dispatch({ effects: darkness.reconfigure(EditorView.darkTheme.of(isDark())) }));
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    if (autoFocus) view.focus();
    return () => {
      mo.disconnect();
      view.destroy();
      viewRef.current = null;
    };
    // The editor is created once; later `value` changes are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const view = viewRef.current;
    if (!view || view.state.doc.toString() === value) return;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value }, annotations: noHistory.of(true) });
  }, [value]);

  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    const first = diagnostics?.[0];
    view.dispatch({
      effects: [setDiagnostics.of(diagnostics ?? []), ...(first ? [EditorView.scrollIntoView(first.from, { y: 'center' })] : [])],
    });
  }, [diagnostics]);

  return <div className="code-editor" ref={host} data-testid={testId} />;
}
