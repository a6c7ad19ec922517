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
