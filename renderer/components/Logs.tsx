/**
 * Streamed logs: `pods/log?follow=true` streamed as it is written (no polling) over the
 * dashboard's stream multiplexer (one WebSocket for all of a tab's streams), one stream per pod
 * for workload logs (all pods of a Deployment interleaved as lines arrive). Lines go into a
 * ring buffer (bounded memory, however long you follow) and are rendered virtualized; renders are
 * batched to at most ~20 per second while lines flow and none while idle.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { lineSplitter, mux } from '../lib/mux';
import { RingBuffer } from '../lib/ringBuffer';
import { Icon } from './Icons';

export interface LogSource {
  namespace: string;
  pod: string;
  containers: string[];
}

interface Line {
  src: number;
  ts?: string;
  text: string;
}

const CAPACITY = 20_000;
const COLORS = ['#4c8dff', '#34c38f', '#f1b44c', '#f46a6a', '#b18cff', '#3ad0d6', '#ff8fab', '#a3d65c'];
const MAX_WORKLOAD_PODS = 20;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function Highlight({ text, re }: { text: string; re: RegExp | null }) {
  if (!re) return <>{text}</>;
  const parts = text.split(re);
  return (
    <>
      {parts.map((p, i) => (i % 2 === 1 ? <mark key={i}>{p}</mark> : p))}
    </>
  );
}

export function LogsView({ ctx, sources, title }: { ctx: string; sources: LogSource[]; title?: string }) {
  const containers = useMemo(() => [...new Set(sources.flatMap((s) => s.containers))], [sources]);
  const [container, setContainer] = useState(containers[0] ?? '');
  const [follow, setFollow] = useState(true);
  const [previous, setPrevious] = useState(false);
  const [timestamps, setTimestamps] = useState(false);
  const [tail, setTail] = useState('500');
  const [search, setSearch] = useState('');
  const [onlyMatching, setOnlyMatching] = useState(false);
  const [, setVersion] = useState(0);
  const [status, setStatus] = useState('connecting…');
  const buf = useRef(new RingBuffer<Line>(CAPACITY));
  const scrollRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const shown = sources.slice(0, MAX_WORKLOAD_PODS);
  const multi = shown.length > 1;
  const sourceKey = shown.map((s) => `${s.namespace}/${s.pod}`).join(',');

  useEffect(() => {
    if (!containers.includes(container)) setContainer(containers[0] ?? '');
  }, [containers, container]);

  useEffect(() => {
    const ring = buf.current;
    ring.clear();
    setVersion((v) => v + 1);
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        setVersion((v) => v + 1);
      }, 50);
    };
    let open = 0;
    let ended = 0;
    setStatus('connecting…');
    shown.forEach((s, idx) => {
      const c = s.containers.includes(container) ? container : s.containers[0];
      const q = new URLSearchParams({ timestamps: 'true' });
      if (c) q.set('container', c);
      if (follow && !previous) q.set('follow', 'true');
      if (previous) q.set('previous', 'true');
      if (tail !== 'all') q.set('tailLines', tail);
      const path = `/api/v1/namespaces/${encodeURIComponent(s.namespace)}/pods/${encodeURIComponent(s.pod)}/log?${q}`;
      const push = lineSplitter((raw) => {
        const sp = raw.indexOf(' ');
        const looksTs = sp > 0 && /^\d{4}-\d\d-\d\dT/.test(raw);
        ring.push({ src: idx, ts: looksTs ? raw.slice(0, sp) : undefined, text: looksTs ? raw.slice(sp + 1) : raw });
      });
      const done = () => {
        ended++;
        if (!ac.signal.aborted && ended === shown.length) setStatus(follow && !previous ? 'stream ended' : 'loaded');
      };
      const close = mux.open(ctx, path, {
        onOpen: () => {
          open++;
          setStatus(follow && !previous ? `streaming from ${open} pod${open === 1 ? '' : 's'}` : 'loaded');
        },
        onData: (text) => {
          push(text);
          flush();
        },
        onEnd: () => {
          flush();
          done();
        },
        onError: (_code, message) => {
          ring.push({ src: idx, text: `[${s.pod}] ${message}` });
          flush();
          done();
        },
      });
      ac.signal.addEventListener('abort', close);
    });
    return () => {
      ac.abort();
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- sourceKey stands for `shown`
  }, [ctx, sourceKey, container, follow, previous, tail]);

  const ring = buf.current;
  const re = useMemo(() => (search ? new RegExp(`(${escapeRe(search)})`, 'gi') : null), [search]);
  const lines = useMemo(() => {
    const all = ring.toArray();
    if (!onlyMatching || !search) return all;
    const s = search.toLowerCase();
    return all.filter((l) => l.text.toLowerCase().includes(s));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- ring.version marks content changes
  }, [ring.version, onlyMatching, search]);
  const matchCount = useMemo(() => (search ? lines.filter((l) => l.text.toLowerCase().includes(search.toLowerCase())).length : 0), [lines, search]);

  const virt = useVirtualizer({ count: lines.length, getScrollElement: () => scrollRef.current, estimateSize: () => 18, overscan: 30 });
  useEffect(() => {
    if (atBottom.current && lines.length) virt.scrollToIndex(lines.length - 1, { align: 'end' });
  }, [lines.length, virt]);

  const download = () => {
    const text = ring
      .toArray()
      .map((l) => `${multi ? `[${shown[l.src]?.pod}] ` : ''}${timestamps && l.ts ? `${l.ts} ` : ''}${l.text}`)
      .join('\n');
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text + '\n'], { type: 'text/plain' }));
    a.download = `${title ?? shown[0]?.pod ?? 'logs'}${container ? `-${container}` : ''}.log`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  const jumpToMatch = () => {
    if (!search) return;
    const s = search.toLowerCase();
    const start = Math.floor((scrollRef.current?.scrollTop ?? 0) / 18) + 1;
    for (let i = 0; i < lines.length; i++) {
      const j = (start + i) % lines.length;
      if (lines[j].text.toLowerCase().includes(s)) {
        atBottom.current = false;
        virt.scrollToIndex(j, { align: 'center' });
        return;
      }
    }
  };

  return (
    <div className="logs" data-testid="logs">
      <div className="logs-toolbar">
        {containers.length > 1 || containers.length === 1 ? (
          <select className="select" value={container} onChange={(e) => setContainer(e.target.value)} aria-label="container">
            {containers.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        ) : null}
        <select className="select" value={tail} onChange={(e) => setTail(e.target.value)} aria-label="tail lines" title="Lines of history">
          {['100', '500', '1000', '5000', 'all'].map((t) => (
            <option key={t} value={t}>
              {t === 'all' ? 'All lines' : `Last ${t}`}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
        <label className="check">
          <input type="checkbox" checked={previous} onChange={(e) => setPrevious(e.target.checked)} /> Previous
        </label>
        <label className="check">
          <input type="checkbox" checked={timestamps} onChange={(e) => setTimestamps(e.target.checked)} /> Timestamps
        </label>
        <div className="search" style={{ marginLeft: 'auto' }}>
          <Icon name="search" size={14} />
          <input className="input" style={{ width: 180 }} placeholder="Search logs" value={search} onChange={(e) => setSearch(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && jumpToMatch()} aria-label="search logs" />
        </div>
        <label className="check" title="Show only matching lines">
          <input type="checkbox" checked={onlyMatching} onChange={(e) => setOnlyMatching(e.target.checked)} /> Only matches
        </label>
        <button className="btn sm" onClick={download} title="Download">
          <Icon name="download" size={14} />
        </button>
      </div>
      <div
        className="logs-body"
        ref={scrollRef}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 30;
        }}
      >
        <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
          {virt.getVirtualItems().map((v) => {
            const l = lines[v.index];
            return (
              <div key={v.key} className="log-line" style={{ transform: `translateY(${v.start}px)` }}>
                {multi ? (
                  <span className="log-src" style={{ color: COLORS[l.src % COLORS.length] }}>
                    {shown[l.src]?.pod}
                  </span>
                ) : null}
                {timestamps && l.ts ? <span className="log-ts">{l.ts}</span> : null}
                <Highlight text={l.text} re={re} />
              </div>
            );
          })}
        </div>
      </div>
      <div className="logs-status">
        <span>{status}</span>
        <span>{ring.length.toLocaleString()} lines{ring.dropped ? ` (oldest ${ring.dropped.toLocaleString()} dropped; buffer ${CAPACITY.toLocaleString()})` : ''}</span>
        {search ? <span>{matchCount} matching</span> : null}
        {sources.length > MAX_WORKLOAD_PODS ? <span>showing {MAX_WORKLOAD_PODS} of {sources.length} pods</span> : null}
      </div>
    </div>
  );
}
