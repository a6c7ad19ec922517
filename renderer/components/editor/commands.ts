/**
 * Editing commands for the YAML editor, on CodeMirror 6's state/view core: undo history,
 * YAML-aware newline indentation, indent/dedent, toggle comment, select all.
 *
 * Why here and not @codemirror/commands: the dependencies the project ships are @codemirror/
 * view/state/language/lang-yaml (the `codemirror` entry in package.json resolves to the
 * CodeMirror 5 code base, which has no `basicSetup`). These few commands are what a YAML
 * editor needs, kept small and covered by the dashboard's end-to-end test.
 */
import { Annotation, ChangeSet, EditorSelection, StateEffect, StateField, Transaction, type ChangeSpec, type EditorState, type Extension } from '@codemirror/state';
import type { Command } from '@codemirror/view';

const INDENT = '  ';

// ---- history

interface Entry {
  /** Changes that revert this step, applicable to the document after it. */
  inv: ChangeSet;
  /** Selection before the step (restored by undo). */
  sel: EditorSelection;
}

interface History {
  done: Entry[];
  undone: Entry[];
  lastTime: number;
  lastEvent: string;
}

const MAX_STEPS = 300;
const GROUP_MS = 600;
const setHistory = StateEffect.define<History>();
/** Transactions carrying this are not recorded (e.g. the document replaced from outside). */
export const noHistory = Annotation.define<boolean>();
const EMPTY: History = { done: [], undone: [], lastTime: 0, lastEvent: '' };

const historyField = StateField.define<History>({
  create: () => EMPTY,
  update(h, tr) {
    for (const e of tr.effects) if (e.is(setHistory)) return e.value;
    if (!tr.docChanged) return h;
    if (tr.annotation(noHistory)) return EMPTY;
    const inv = tr.changes.invert(tr.startState.doc);
    const time = tr.annotation(Transaction.time) ?? Date.now();
    const event = tr.annotation(Transaction.userEvent) ?? '';
    const typing = /^(input\.type|delete\.backward|delete\.forward)/.test(event);
    const last = h.done[h.done.length - 1];
    // Consecutive keystrokes of the same kind within a short time undo as one step.
    if (last && typing && event === h.lastEvent && time - h.lastTime < GROUP_MS) {
      const merged = { inv: inv.compose(last.inv), sel: last.sel };
      return { done: [...h.done.slice(0, -1), merged], undone: [], lastTime: time, lastEvent: event };
    }
    const done = [...h.done, { inv, sel: tr.startState.selection }];
    if (done.length > MAX_STEPS) done.shift();
    return { done, undone: [], lastTime: time, lastEvent: event };
  },
});

function step(from: 'done' | 'undone'): Command {
  return (view) => {
    const h = view.state.field(historyField);
    const list = h[from];
    const e = list[list.length - 1];
    if (!e) return false;
    const back: Entry = { inv: e.inv.invert(view.state.doc), sel: view.state.selection };
    const next: History =
      from === 'done'
        ? { done: h.done.slice(0, -1), undone: [...h.undone, back], lastTime: 0, lastEvent: '' }
        : { done: [...h.done, back], undone: h.undone.slice(0, -1), lastTime: 0, lastEvent: '' };
    view.dispatch({ changes: e.inv, selection: e.sel, effects: setHistory.of(next), userEvent: from === 'done' ? 'undo' : 'redo', scrollIntoView: true });
    return true;
  };
}

export const undo = step('done');
export const redo = step('undone');
export const history = (): Extension => historyField;

// ---- indentation

function leading(text: string): string {
  return /^\s*/.exec(text)?.[0] ?? '';
}

/**
 * Enter: keep the line's indentation; one level deeper after `key:` (a nested mapping follows)
 * and inside a `- item` (its next key lines up with the item's first key).
 */
export const insertNewlineAndIndent: Command = (view) => {
  const { state } = view;
  const tr = state.changeByRange((range) => {
    const line = state.doc.lineAt(range.from);
    const before = line.text.slice(0, range.from - line.from);
    let indent = leading(before);
    const trimmed = before.trimEnd();
    const item = /^(\s*)- /.exec(before);
    if (item) indent = item[1] + INDENT;
    if (/:$/.test(trimmed) || /:\s*[|>][-+]?\d*$/.test(trimmed)) indent += INDENT;
    if (trimmed === '') indent = before; // blank line: stay where the cursor is
    const insert = `\n${indent}`;
    // Trailing spaces before the cursor don't stay behind on the split line.
    const trailing = trimmed === '' ? 0 : before.length - trimmed.length;
    const from = range.from - trailing;
    return { changes: { from, to: range.to, insert }, range: EditorSelection.cursor(from + insert.length) };
  });
  view.dispatch(state.update(tr, { scrollIntoView: true, userEvent: 'input' }));
  return true;
};

function selectedLines(state: EditorState): number[] {
  const seen = new Set<number>();
  for (const r of state.selection.ranges) {
    const first = state.doc.lineAt(r.from).number;
    let last = state.doc.lineAt(r.to).number;
    if (last > first && state.doc.line(last).from === r.to) last--; // selection ending at a line start
    for (let n = first; n <= last; n++) seen.add(n);
  }
  return [...seen].sort((a, b) => a - b);
}

/** Tab: two spaces at the cursor, or indents every selected line. */
export const indentMore: Command = (view) => {
  const { state } = view;
  if (state.selection.ranges.every((r) => r.empty)) {
    view.dispatch(state.update(state.replaceSelection(INDENT), { scrollIntoView: true, userEvent: 'input' }));
    return true;
  }
  const changes: ChangeSpec[] = selectedLines(state).map((n) => ({ from: state.doc.line(n).from, insert: INDENT }));
  view.dispatch({ changes, userEvent: 'input.indent' });
  return true;
};

/** Shift-Tab: removes one level of indentation from every selected line. */
export const indentLess: Command = (view) => {
  const { state } = view;
  const changes: ChangeSpec[] = [];
  for (const n of selectedLines(state)) {
    const line = state.doc.line(n);
    const ws = leading(line.text).length;
    const cut = Math.min(ws, INDENT.length);
    if (cut) changes.push({ from: line.from, to: line.from + cut });
  }
  if (changes.length) view.dispatch({ changes, userEvent: 'delete.dedent' });
  return true;
};

/** Backspace inside leading spaces deletes back to the previous indentation level. */
export const deleteIndentBackward: Command = (view) => {
  const { state } = view;
  const r = state.selection.main;
  if (!r.empty || state.selection.ranges.length > 1) return false;
  const line = state.doc.lineAt(r.from);
  const before = line.text.slice(0, r.from - line.from);
  if (!before || /\S/.test(before)) return false;
  const cut = before.length % INDENT.length || INDENT.length;
  view.dispatch({ changes: { from: r.from - cut, to: r.from }, userEvent: 'delete.backward', scrollIntoView: true });
  return true;
};

/** Mod-/: comments the selected lines out with `# `, or back in when all are comments. */
export const toggleComment: Command = (view) => {
  const { state } = view;
  const lines = selectedLines(state).map((n) => state.doc.line(n));
  const content = lines.filter((l) => l.text.trim() !== '');
  if (content.length === 0) return false;
  const allCommented = content.every((l) => /^\s*#/.test(l.text));
  const changes: ChangeSpec[] = [];
  if (allCommented) {
    for (const l of content) {
      const m = /^(\s*)# ?/.exec(l.text);
      if (m) changes.push({ from: l.from + m[1].length, to: l.from + m[0].length });
    }
  } else {
    const col = Math.min(...content.map((l) => leading(l.text).length));
    for (const l of content) changes.push({ from: l.from + col, insert: '# ' });
  }
  view.dispatch({ changes, userEvent: 'input.comment' });
  return true;
};

export const selectAll: Command = (view) => {
  view.dispatch({ selection: { anchor: 0, head: view.state.doc.length }, userEvent: 'select' });
  return true;
};

export const cursorDocStart: Command = (view) => {
  view.dispatch({ selection: { anchor: 0 }, scrollIntoView: true, userEvent: 'select' });
  return true;
};

export const cursorDocEnd: Command = (view) => {
  view.dispatch({ selection: { anchor: view.state.doc.length }, scrollIntoView: true, userEvent: 'select' });
  return true;
};
