/**
 * Find and replace for the YAML editor: a panel at the top of the editor (Mod-F), matches
 * highlighted in the visible range, Enter / Shift-Enter (or F3 / Shift-F3, Mod-G) to move
 * between them, "n of m" count, case toggle, replace one / all. Built on @codemirror/view's
 * panel and decoration APIs (see commands.ts for why not @codemirror/search).
 */
import { EditorSelection, RangeSetBuilder, StateEffect, StateField, type Extension, type Text } from '@codemirror/state';
import { Decoration, EditorView, ViewPlugin, showPanel, type Command, type DecorationSet, type Panel, type ViewUpdate } from '@codemirror/view';

interface SearchState {
  open: boolean;
  query: string;
  replace: string;
  caseSensitive: boolean;
}

const setSearch = StateEffect.define<Partial<SearchState>>();

const searchField = StateField.define<SearchState>({
  create: () => ({ open: false, query: '', replace: '', caseSensitive: false }),
  update(s, tr) {
    for (const e of tr.effects) if (e.is(setSearch)) s = { ...s, ...e.value };
    return s;
  },
  provide: (f) => showPanel.from(f, (s) => (s.open ? createPanel : null)),
});

const MAX_MATCHES = 10_000;

/** Every match of the query in the document (offsets), capped. */
export function findAll(doc: string, query: string, caseSensitive: boolean): number[] {
  if (!query) return [];
  const hay = caseSensitive ? doc : doc.toLowerCase();
  const needle = caseSensitive ? query : query.toLowerCase();
  const out: number[] = [];
  for (let i = hay.indexOf(needle); i >= 0 && out.length < MAX_MATCHES; i = hay.indexOf(needle, i + Math.max(1, needle.length))) out.push(i);
  return out;
}

function matches(view: EditorView): number[] {
  const s = view.state.field(searchField);
  return findAll(view.state.doc.toString(), s.query, s.caseSensitive);
}

function select(view: EditorView, from: number, len: number): void {
  view.dispatch({ selection: EditorSelection.single(from, from + len), effects: EditorView.scrollIntoView(from, { y: 'center' }), userEvent: 'select.search' });
}

export const findNext: Command = (view) => {
  const s = view.state.field(searchField);
  const all = matches(view);
  if (!all.length) return !!s.query;
  const after = view.state.selection.main.to;
  const next = all.find((m) => m >= after && !(m === view.state.selection.main.from && view.state.selection.main.to - m === s.query.length)) ?? all[0];
  select(view, next, s.query.length);
  return true;
};

export const findPrevious: Command = (view) => {
  const s = view.state.field(searchField);
  const all = matches(view);
  if (!all.length) return !!s.query;
  const before = view.state.selection.main.from;
  const prev = [...all].reverse().find((m) => m < before) ?? all[all.length - 1];
  select(view, prev, s.query.length);
  return true;
};

export const openSearch: Command = (view) => {
  const s = view.state.field(searchField);
  const sel = view.state.selection.main;
  const picked = !sel.empty && sel.to - sel.from < 200 ? view.state.sliceDoc(sel.from, sel.to) : undefined;
  if (!s.open || picked) view.dispatch({ effects: setSearch.of({ open: true, ...(picked && !picked.includes('\n') ? { query: picked } : {}) }) });
  const input = view.dom.querySelector<HTMLInputElement>('.cm-skiff-search input[name="find"]');
  if (input) {
    if (picked && !picked.includes('\n')) input.value = picked;
    input.focus();
    input.select();
  }
  return true;
};

export const closeSearch: Command = (view) => {
  if (!view.state.field(searchField).open) return false;
  view.dispatch({ effects: setSearch.of({ open: false }) });
  view.focus();
  return true;
};

function replaceOne(view: EditorView): void {
  const s = view.state.field(searchField);
  const sel = view.state.selection.main;
  const text = view.state.sliceDoc(sel.from, sel.to);
  const isMatch = s.caseSensitive ? text === s.query : text.toLowerCase() === s.query.toLowerCase();
  if (s.query && isMatch) {
    view.dispatch({ changes: { from: sel.from, to: sel.to, insert: s.replace }, selection: EditorSelection.cursor(sel.from + s.replace.length), userEvent: 'input.replace' });
  }
  findNext(view);
}

function replaceAll(view: EditorView): void {
  const s = view.state.field(searchField);
  const all = matches(view);
  if (!all.length) return;
  view.dispatch({ changes: all.map((from) => ({ from, to: from + s.query.length, insert: s.replace })), userEvent: 'input.replace.all' });
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string>, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function createPanel(view: EditorView): Panel {
  const s = view.state.field(searchField);
  const find = el('input', { name: 'find', placeholder: 'Find', 'aria-label': 'Find', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'editor-find' });
  find.value = s.query;
  const repl = el('input', { name: 'replace', placeholder: 'Replace', 'aria-label': 'Replace', autocomplete: 'off', spellcheck: 'false' });
  repl.value = s.replace;
  const count = el('span', { class: 'cm-skiff-count', 'aria-live': 'polite' });
  const btn = (label: string, title: string, run: () => void, cls = '') => {
    const b = el('button', { type: 'button', title, class: `cm-skiff-btn ${cls}` }, label);
    b.addEventListener('mousedown', (e) => e.preventDefault()); // keep focus where it is
    b.addEventListener('click', run);
    return b;
  };
  const caseBtn = btn('Aa', 'Match case', () => view.dispatch({ effects: setSearch.of({ caseSensitive: !view.state.field(searchField).caseSensitive }) }), 'toggle');
  const refresh = () => {
    const st = view.state.field(searchField);
    caseBtn.classList.toggle('on', st.caseSensitive);
    if (!st.query) {
      count.textContent = '';
      return;
    }
    const all = matches(view);
    const sel = view.state.selection.main;
    const i = all.findIndex((m) => m === sel.from && sel.to - sel.from === st.query.length);
    count.textContent = all.length === 0 ? 'No results' : `${i >= 0 ? `${i + 1} of ` : ''}${all.length}${all.length >= MAX_MATCHES ? '+' : ''}`;
    count.classList.toggle('none', all.length === 0);
  };
  find.addEventListener('input', () => {
    view.dispatch({ effects: setSearch.of({ query: find.value }) });
    // Search as you type: jump to the first match at or after the cursor.
    const all = matches(view);
    const from = view.state.selection.main.from;
    const m = all.find((x) => x >= from) ?? all[0];
    if (m !== undefined) select(view, m, find.value.length);
    refresh();
  });
  repl.addEventListener('input', () => view.dispatch({ effects: setSearch.of({ replace: repl.value }) }));
  const keys = (e: KeyboardEvent, enter: () => void) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      if (e.shiftKey) findPrevious(view);
      else enter();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      closeSearch(view);
    } else if (e.key === 'F3' || ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'g')) {
      e.preventDefault();
      if (e.shiftKey) findPrevious(view);
      else findNext(view);
    }
  };
  find.addEventListener('keydown', (e) => keys(e, () => findNext(view)));
  repl.addEventListener('keydown', (e) => keys(e, () => replaceOne(view)));
  const dom = el(
    'div',
    { class: 'cm-skiff-search', role: 'search' },
    el('div', { class: 'cm-skiff-row' }, find, caseBtn, btn('↑', 'Previous match (Shift-Enter)', () => findPrevious(view)), btn('↓', 'Next match (Enter)', () => findNext(view)), count),
    el('div', { class: 'cm-skiff-row' }, repl, btn('Replace', 'Replace this match', () => replaceOne(view), 'text'), btn('All', 'Replace all matches', () => replaceAll(view), 'text')),
    btn('×', 'Close (Esc)', () => closeSearch(view), 'close'),
  );
  return {
    dom,
    top: true,
    mount() {
      refresh();
      find.focus();
      find.select();
    },
    update(u: ViewUpdate) {
      if (u.docChanged || u.selectionSet || u.transactions.some((t) => t.effects.some((e) => e.is(setSearch)))) refresh();
    },
  };
}

const matchMark = Decoration.mark({ class: 'cm-skiff-match' });
const currentMark = Decoration.mark({ class: 'cm-skiff-match current' });

function decorate(view: EditorView): DecorationSet {
  const s = view.state.field(searchField);
  const b = new RangeSetBuilder<Decoration>();
  if (!s.open || !s.query) return b.finish();
  const sel = view.state.selection.main;
  const needle = s.caseSensitive ? s.query : s.query.toLowerCase();
  for (const { from, to } of view.visibleRanges) {
    const text = sliceFor(view.state.doc, from, to);
    const hay = s.caseSensitive ? text : text.toLowerCase();
    for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length)) {
      const a = from + i;
      b.add(a, a + needle.length, a === sel.from && sel.to === a + needle.length ? currentMark : matchMark);
    }
  }
  return b.finish();
}

function sliceFor(doc: Text, from: number, to: number): string {
  return doc.sliceString(from, to);
}

const highlighter = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = decorate(view);
    }
    update(u: ViewUpdate) {
      if (u.docChanged || u.viewportChanged || u.selectionSet || u.transactions.some((t) => t.effects.some((e) => e.is(setSearch)))) this.decorations = decorate(u.view);
    }
  },
  { decorations: (v) => v.decorations },
);

export function search(): Extension {
  return [searchField, highlighter];
}
