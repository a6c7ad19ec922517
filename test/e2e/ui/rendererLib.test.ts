/**
 * Unit tests of the renderer's framework-free core (no DOM, no React): the list+watch state
 * rules, the log ring buffer, and the exec channel framing. They live here because the
 * renderer's own tsconfig is browser-only; these files have no imports and compile for Node too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListState, isNewer, strip, type KubeObject } from '../../../renderer/lib/listState.js';
import { RingBuffer } from '../../../renderer/lib/ringBuffer.js';
import { closeStdinFrame, frame, parseExitStatus, parseFrame, resizeFrame, STDIN } from '../../../renderer/lib/channels.js';

const cm = (name: string, rv: string, extra: Record<string, unknown> = {}): KubeObject => ({ metadata: { name, namespace: 'default', resourceVersion: rv, managedFields: [{ manager: 'kubectl' }] }, ...extra });

test('list pages fill the state; managedFields are stripped; kind/apiVersion filled in', () => {
  const s = new ListState();
  s.addPage([cm('a', '5'), cm('b', '6')], 'ConfigMap', 'v1');
  s.resourceVersion = '10';
  const snap = s.takeSnapshot();
  assert.equal(snap.length, 2);
  assert.equal(snap[0].kind, 'ConfigMap');
  assert.equal(snap[0].apiVersion, 'v1');
  assert.equal('managedFields' in snap[0].metadata, false);
  assert.equal(s.takeSnapshot(), snap, 'unchanged state → same array (no re-render)');
});

test('watch events: add, modify, delete; stale ones ignored; bookmarks move the RV; 410 → gone', () => {
  const s = new ListState();
  s.addPage([cm('a', '5')], 'ConfigMap', 'v1');
  s.resourceVersion = '5';
  s.takeSnapshot();
  assert.equal(s.apply({ type: 'ADDED', object: cm('b', '7') }), 'ok');
  assert.equal(s.apply({ type: 'MODIFIED', object: cm('a', '8', { data: { x: '1' } }) }), 'ok');
  assert.equal(s.apply({ type: 'MODIFIED', object: cm('a', '6', { data: { x: 'stale' } }) }), 'ok');
  assert.deepEqual(s.items.get('default/a')?.data, { x: '1' });
  assert.equal(s.resourceVersion, '8');
  s.apply({ type: 'DELETED', object: cm('b', '9') });
  assert.deepEqual([...s.items.keys()], ['default/a']);
  assert.equal(s.apply({ type: 'BOOKMARK', object: { metadata: { name: '', resourceVersion: '42' } } as KubeObject }), 'ok');
  assert.equal(s.resourceVersion, '42');
  assert.equal(s.apply({ type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version' } }), 'gone');
  assert.equal(s.apply({ type: 'ERROR', object: { kind: 'Status', code: 500 } }), 'error');
  assert.equal(s.takeSnapshot().length, 1);
  assert.equal(isNewer('10', '9'), true);
  assert.equal(isNewer('9', '10'), false);
  assert.equal(isNewer('abc', '10'), true, 'opaque versions are taken as newer');
  assert.equal(strip(cm('x', '1')).metadata.managedFields, undefined);
});

test('ring buffer keeps the newest N lines and counts what it dropped', () => {
  const r = new RingBuffer<number>(3);
  r.pushAll([1, 2]);
  assert.deepEqual(r.toArray(), [1, 2]);
  r.pushAll([3, 4, 5]);
  assert.deepEqual(r.toArray(), [3, 4, 5]);
  assert.equal(r.dropped, 2);
  assert.equal(r.at(0), 3);
  assert.equal(r.at(3), undefined);
  const v = r.version;
  r.clear();
  assert.equal(r.length, 0);
  assert.ok(r.version > v);
  assert.throws(() => new RingBuffer(0));
  // A long follow stays bounded.
  const big = new RingBuffer<string>(1000);
  for (let i = 0; i < 100_000; i++) big.push(`line ${i}`);
  assert.equal(big.length, 1000);
  assert.equal(big.at(999), 'line 99999');
});

test('exec channel frames (v5.channel.k8s.io)', () => {
  assert.deepEqual([...frame(STDIN, 'ls\n')], [0, 108, 115, 10]);
  const rf = resizeFrame(120, 40);
  assert.equal(rf[0], 4);
  assert.deepEqual(JSON.parse(Buffer.from(rf.subarray(1)).toString()), { Width: 120, Height: 40 });
  assert.deepEqual([...closeStdinFrame()], [255, 0]);
  const p = parseFrame(new Uint8Array([1, 104, 105]));
  assert.equal(p?.channel, 1);
  assert.equal(Buffer.from(p!.payload).toString(), 'hi');
  assert.equal(parseFrame(new Uint8Array([])), undefined);
  assert.deepEqual(parseExitStatus('{"status":"Success"}'), { code: 0, message: '' });
  assert.equal(parseExitStatus('{"status":"Failure","message":"command terminated with non-zero exit code","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}').code, 3);
});

test('edit patches carry only the user\'s changes (RFC 7386)', async () => {
  const { editPatch, mergePatch } = await import('../../../renderer/lib/mergePatch.js');
  const before = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', resourceVersion: '5', labels: { a: '1', b: '2' } }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'x:1' }] } } }, status: { readyReplicas: 0 } };
  const after = { ...before, metadata: { name: 'w', resourceVersion: '5', labels: { a: '1' } }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'x:2' }] } } }, status: { readyReplicas: 9 } };
  assert.deepEqual(editPatch(before, after), { metadata: { labels: { b: null } }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'x:2' }] } } } });
  assert.equal(editPatch(before, { ...before, status: { readyReplicas: 3 } }), undefined);
  assert.deepEqual(mergePatch({ a: 1 }, { a: 1, b: [1] }), { b: [1] });
});

test('usage history stays bounded: by time window, by points, by series', async () => {
  const { Series, SeriesSet, niceCeil, chartPaths } = await import('../../../renderer/lib/series.js');
  const s = new Series(15 * 60_000, 240);
  const t0 = 1_000_000;
  for (let i = 0; i < 200; i++) s.add(t0 + i * 15_000, i); // 50 minutes of 15 s samples
  assert.equal(s.points[0].t >= t0 + 199 * 15_000 - 15 * 60_000, true, 'only the last 15 minutes are kept');
  assert.equal(s.length, 61);
  s.add(t0 + 199 * 15_000, 42); // the same instant again (a cached sample): replaced, not appended
  assert.equal(s.length, 61);
  assert.equal(s.last?.v, 42);
  s.add(t0, 1); // back in time: ignored
  assert.equal(s.length, 61);
  const dense = new Series(60 * 60_000, 10);
  for (let i = 0; i < 100; i++) dense.add(t0 + i, i);
  assert.equal(dense.length, 10);
  const set = new SeriesSet(3);
  for (const n of ['a', 'b', 'c', 'd']) set.add(n, t0, 1);
  assert.deepEqual(set.names(), ['b', 'c', 'd'], 'least recently updated series dropped');
  assert.equal(niceCeil(0.0007), 0.001);
  assert.equal(niceCeil(3.1), 5);
  assert.equal(niceCeil(2), 2);
  // A gap (view hidden) splits the line; a lone point is still drawn.
  const pts = [{ t: 0, v: 1 }, { t: 15_000, v: 2 }, { t: 200_000, v: 2 }];
  const { line, area, gaps, dots } = chartPaths(pts, { width: 100, height: 50, start: 0, end: 200_000, max: 4, gapMs: 37_500 });
  assert.equal(line.split('M').length - 1, 1, 'one drawn segment');
  assert.match(area, /Z$/);
  assert.equal(gaps.split('M').length - 1, 1, 'a dashed connector across the gap');
  assert.equal(dots.length, 1, 'the lone sample after the gap is a dot');
});

test('topology: Service → endpoints → pods, not-ready and unlisted pods, groups beyond N', async () => {
  const { computeLayout, placeNodes } = await import('../../../renderer/lib/topology.js');
  const pod = (name: string, app: string, node: string, phase = 'Running') => ({ metadata: { name, namespace: 'default', uid: `u-${name}`, labels: { app } }, spec: { nodeName: node }, status: { phase } });
  const pods = [...Array.from({ length: 30 }, (_, i) => pod(`big-${i}`, 'big', `n${i % 3}`)), pod('web-1', 'web', 'n0'), pod('web-2', 'web', 'n1'), pod('web-3', 'web', 'n1', 'Pending'), pod('lonely', 'none', 'n2')];
  const svc = (name: string) => ({ metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, clusterIP: '10.96.0.9', ports: [{ port: 80 }] } });
  const addr = (p: { metadata: { name: string; uid: string } }) => ({ ip: '10.0.0.1', targetRef: { kind: 'Pod', name: p.metadata.name, namespace: 'default', uid: p.metadata.uid } });
  const endpoints = [
    { metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [addr(pods[30])], notReadyAddresses: [addr(pods[31])], ports: [{ port: 80 }] }] },
    { metadata: { name: 'big', namespace: 'default' }, subsets: [{ addresses: pods.slice(0, 30).map(addr) }] },
  ];
  const l = computeLayout([svc('web'), svc('big')], endpoints, pods, { maxPods: 8 });
  assert.equal(l.services, 2);
  const webEdges = l.edges.filter((e) => e.band === 'svc:default/web' && e.kind !== 'service').map((e) => `${e.to.split('/').pop()}:${e.kind}`);
  assert.deepEqual(webEdges, ['web-1:ready', 'web-2:notready', 'web-3:unlisted']);
  const bigPods = l.boxes.filter((b) => b.band === 'svc:default/big' && b.kind === 'pod');
  const group = l.boxes.find((b) => b.kind === 'group');
  assert.equal(bigPods.length, 8, 'only 8 pods drawn per service');
  assert.equal(group?.count, 22);
  assert.deepEqual(group?.nodes?.sort(), ['n0', 'n1', 'n2']);
  assert.equal(l.boxes.some((b) => b.label === 'lonely'), false);
  const expanded = computeLayout([svc('web'), svc('big')], endpoints, pods, { maxPods: 8, expanded: new Set(['svc:default/big']), unexposed: true });
  assert.equal(expanded.boxes.filter((b) => b.band === 'svc:default/big' && b.kind === 'pod').length, 30);
  assert.equal(expanded.boxes.some((b) => b.label === 'lonely'), true, 'pods without a service on request');
  // 500 pods behind one service: a bounded number of rows.
  const many = Array.from({ length: 500 }, (_, i) => pod(`m-${i}`, 'm', 'n0'));
  const lm = computeLayout([svc('m')], [], many, {});
  assert.ok(lm.boxes.length <= 12 && lm.height < 500, `${lm.boxes.length} boxes, ${lm.height}px`);
  // Nodes placed beside their pods, inside the window, without overlaps.
  const { placed, more } = placeNodes([{ y: 100, nodes: ['a'] }, { y: 110, nodes: ['b'] }, { y: 900, nodes: ['c'] }], 0, 600, 48, 10);
  assert.equal(more, 0);
  const ys = placed.map((p) => p.y);
  assert.ok(ys[1] - ys[0] >= 58 && ys[2] <= 600 - 48, JSON.stringify(placed));
  assert.equal(placeNodes(Array.from({ length: 40 }, (_, i) => ({ y: i * 10, nodes: [`n${i}`] })), 0, 300, 48, 10).more > 0, true);
});

test('image pull progress and rollout state from events, statuses and ReplicaSets', async () => {
  const { indexPullEvents, podPull, rolloutOf } = await import('../../../renderer/lib/progress.js');
  const ev = (reason: string, message: string, t: string) => ({ metadata: { name: `e-${reason}-${t}`, namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default', uid: 'u1' }, reason, message, lastTimestamp: t });
  const pod = (statuses: unknown[]) => ({ metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { nodeName: 'n', containers: [{ name: 'a', image: 'img/a:1' }, { name: 'b', image: 'img/b:1' }] }, status: { phase: 'Pending', containerStatuses: statuses } });
  const idx = indexPullEvents([
    ev('Pulling', 'Pulling image "img/a:1"', '2026-01-01T00:00:01Z'),
    ev('Pulled', 'Successfully pulled image "img/a:1" in 2.5s (2.5s including waiting). Image size: 1 bytes.', '2026-01-01T00:00:04Z'),
    ev('Pulling', 'Pulling image "img/b:1"', '2026-01-01T00:00:04Z'),
    ev('BackOff', 'Back-off restarting failed container', '2026-01-01T00:00:05Z'),
  ]);
  const p1 = podPull(pod([{ name: 'a', state: { waiting: { reason: 'ContainerCreating' } } }, { name: 'b', state: { waiting: { reason: 'ContainerCreating' } } }]), idx);
  assert.deepEqual(p1.containers.map((c) => `${c.container}:${c.phase}`), ['a:pulled', 'b:pulling']);
  assert.equal(p1.containers[0].took, '2.5s');
  assert.equal(p1.ready, 1);
  assert.equal(p1.summary, 'pulling');
  const p2 = podPull(pod([{ name: 'a', state: { running: {} } }, { name: 'b', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "img/b:1"' } } }]), idx);
  assert.equal(p2.summary, 'backoff');
  assert.match(p2.message ?? '', /Back-off pulling/);
  const dep = { metadata: { name: 'd', namespace: 'default', uid: 'D', generation: 2, annotations: { 'deployment.kubernetes.io/revision': '2' } }, spec: { replicas: 4 }, status: { observedGeneration: 2, replicas: 6, updatedReplicas: 2, readyReplicas: 4, availableReplicas: 4, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "d-2" is progressing.' }] } };
  const rs = (name: string, rev: string, replicas: number, available: number) => ({ metadata: { name, namespace: 'default', ownerReferences: [{ uid: 'D' }], annotations: { 'deployment.kubernetes.io/revision': rev } }, spec: { replicas, template: { spec: { containers: [{ image: `img:${rev}` }] } } }, status: { replicas, readyReplicas: available, availableReplicas: available } });
  const ro = rolloutOf(dep, [rs('d-1', '1', 4, 4), rs('d-2', '2', 2, 0)]);
  assert.equal(ro.state, 'progressing');
  assert.equal(ro.old, 4);
  assert.equal(ro.updatedAvailable, 0);
  assert.deepEqual(ro.revisions.map((r) => [r.revision, r.current_]), [[2, true], [1, false]]);
  const done = rolloutOf({ ...dep, status: { ...dep.status, replicas: 4, updatedReplicas: 4, availableReplicas: 4 } }, [rs('d-1', '1', 0, 0), rs('d-2', '2', 4, 4)]);
  assert.equal(done.state, 'complete');
});

test('validation errors are located on their YAML line (field paths)', async () => {
  const { locateField, parseFieldPath, splitDocs } = await import('../../../renderer/lib/yamlPaths.js');
  assert.deepEqual(parseFieldPath('spec.template.spec.containers[0].image'), ['spec', 'template', 'spec', 'containers', 0, 'image']);
  assert.deepEqual(parseFieldPath('metadata.labels[app.kubernetes.io/name]'), ['metadata', 'labels', 'app.kubernetes.io/name']);
  const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: -1\n  template:\n    spec:\n      containers:\n        - name: c\n          image: ""\n';
  const at = locateField(text, 'spec.replicas');
  assert.equal(text.slice(at!.from, at!.to), 'replicas: -1');
  const img = locateField(text, 'spec.template.spec.containers[0].image');
  assert.equal(text.slice(img!.from, img!.to), 'image: ""');
  const missing = locateField(text, 'spec.selector');
  assert.equal(text.slice(missing!.from, missing!.from + 5), 'spec:', 'a missing field points at its parent');
  const multi = 'kind: A\nmetadata:\n  name: a\n---\nkind: B\nmetadata:\n  name: b\n';
  assert.equal(splitDocs(multi).length, 2);
  const second = locateField(multi, 'metadata.name', 1);
  assert.equal(multi.slice(second!.from, second!.to), 'name: b');
});
