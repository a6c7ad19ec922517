/**
 * Bad input gets a clear Kubernetes Status and loses nothing: malformed bodies, wrong types,
 * oversized bodies, unknown resources, invalid names, a seeded fuzz loop of random bodies and
 * paths. The server must answer every request with a Status (4xx) and keep serving.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from './harness.js';
import { rawClient, type RawClient, type RawResponse } from './api.js';

function assertStatus(r: RawResponse, code: number, reason?: string): void {
  assert.equal(r.status, code, `expected ${code}, got ${r.status}: ${r.body}`);
  const s = JSON.parse(r.body) as { kind: string; status: string; code: number; reason: string; message: string };
  assert.equal(s.kind, 'Status');
  assert.equal(s.status, 'Failure');
  assert.equal(s.code, code);
  if (reason) assert.equal(s.reason, reason);
  assert.ok(s.message && s.message.length > 0, 'a Status carries a message');
}

/** Small deterministic PRNG so a failing fuzz case can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('robustness', () => {
  let c: Cluster;
  let api: RawClient;
  const cms = '/api/v1/namespaces/default/configmaps';
  before(async () => {
    c = await startCluster();
    api = rawClient(c.kubeconfig);
  });
  after(async () => {
    api.close();
    await c.stop();
  });

  it('malformed JSON and YAML → 400', async () => {
    assertStatus(await api.req('POST', cms, '{"metadata": {"name": '), 400, 'BadRequest');
    assertStatus(await api.req('POST', cms, 'metadata: [unclosed', { 'Content-Type': 'application/yaml' }), 400, 'BadRequest');
    assertStatus(await api.req('POST', cms, '[1,2,3]'), 400, 'BadRequest');
    assertStatus(await api.req('POST', cms, '"just a string"'), 400, 'BadRequest');
    assertStatus(await api.req('POST', cms, ''), 400, 'BadRequest');
  });

  it('wrong types → 400, invalid values → 422 with field causes', async () => {
    assertStatus(await api.req('POST', cms, JSON.stringify({ metadata: 'nope' })), 400);
    assertStatus(await api.req('POST', cms, JSON.stringify({ metadata: { name: 42 } })), 400);
    assertStatus(await api.req('POST', cms, JSON.stringify({ metadata: { name: 'x', labels: ['a'] } })), 400);
    const r = await api.req('POST', cms, JSON.stringify({ metadata: { name: 'UPPER' } }));
    assertStatus(r, 422, 'Invalid');
    const s = JSON.parse(r.body);
    assert.equal(s.details.causes[0].field, 'metadata.name');
    assertStatus(await api.req('POST', cms, JSON.stringify({ metadata: {} })), 422, 'Invalid');
    assertStatus(await api.req('POST', cms, JSON.stringify({ metadata: { name: 'x', labels: { 'bad key!': 'v' } } })), 422, 'Invalid');
  });

  it('unknown resources and paths → 404; wrong methods → 405; unsupported media → 415', async () => {
    assertStatus(await api.req('GET', '/api/v1/widgets'), 404, 'NotFound');
    assertStatus(await api.req('GET', '/apis/nope.example.com/v1/things'), 404, 'NotFound');
    assertStatus(await api.req('GET', '/totally/unknown'), 404, 'NotFound');
    assertStatus(await api.req('PATCH', cms + '/missing', '{}', { 'Content-Type': 'text/plain' }), 415);
    assertStatus(await api.req('POST', cms, '<xml/>', { 'Content-Type': 'application/xml' }), 415);
    assertStatus(await api.req('PUT', cms, '{}'), 405);
  });

  it('oversized bodies → 413 and the server keeps serving', async () => {
    const big = JSON.stringify({ metadata: { name: 'big' }, data: { a: 'x'.repeat(4 * 1024 * 1024) } });
    const r = await api.req('POST', cms, big);
    assert.equal(r.status, 413);
    assertStatus(await api.req('GET', cms + '/big'), 404);
  });

  it('no credentials → 401; a wrong token → 401', async () => {
    const anon = rawClient(c.kubeconfig, { token: null });
    assertStatus(await anon.req('GET', '/api/v1/namespaces'), 401, 'Unauthorized');
    anon.close();
    const wrong = rawClient(c.kubeconfig, { token: 'not-the-token' });
    assertStatus(await wrong.req('GET', '/api/v1/namespaces'), 401, 'Unauthorized');
    wrong.close();
  });

  it('stale resourceVersion on update → 409 Conflict; wrong name → 400', async () => {
    const r = await api.req('POST', cms, JSON.stringify({ metadata: { name: 'occ' }, data: { v: '1' } }));
    assert.equal(r.status, 201);
    const obj = JSON.parse(r.body);
    const first = await api.req('PUT', cms + '/occ', JSON.stringify({ ...obj, data: { v: '2' } }));
    assert.equal(first.status, 200);
    assertStatus(await api.req('PUT', cms + '/occ', JSON.stringify({ ...obj, data: { v: '3' } })), 409, 'Conflict');
    assertStatus(await api.req('PUT', cms + '/occ', JSON.stringify({ ...obj, metadata: { ...obj.metadata, name: 'other' } })), 400, 'BadRequest');
  });

  it('a watch from a compacted or bogus resourceVersion → 410 / 400', async () => {
    assertStatus(await api.req('GET', cms + '?watch=1&resourceVersion=abc'), 400);
  });

  it('survives a fuzz loop of random bodies, content types and paths', async () => {
    const rnd = prng(20261122);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const paths = [cms, cms + '/fz', '/api/v1/namespaces', '/api/v1/namespaces/default/pods', '/apis/apps/v1/namespaces/default/deployments', '/api/v1/nodes/x', '/apis/batch/v1/namespaces/default/jobs', '/api/v1/namespaces/default/services'];
    const types = ['application/json', 'application/yaml', 'application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json', 'application/vnd.kubernetes.protobuf', 'application/apply-patch+yaml', 'text/plain'];
    const values = (depth = 0): unknown => {
      const k = depth > 3 ? rnd() * 0.5 : rnd();
      if (k < 0.1) return null;
      if (k < 0.2) return Math.floor(rnd() * 1e6) - 5e5;
      if (k < 0.3) return rnd() < 0.5;
      if (k < 0.5) return 'x'.repeat(Math.floor(rnd() * 20)) + String.fromCharCode(Math.floor(rnd() * 0xffff));
      if (k < 0.7) return [values(depth + 1), values(depth + 1)];
      return { metadata: rnd() < 0.7 ? { name: pick(['fz', 'a', '', 'A-B', '..', 'x'.repeat(300)]), labels: rnd() < 0.5 ? { a: values(depth + 1) } : values(depth + 1) } : values(depth + 1), spec: values(depth + 1), data: values(depth + 1), kind: pick(['ConfigMap', 'Pod', 'Nope', 3]) };
    };
    const codes = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const method = pick(['POST', 'PUT', 'PATCH', 'DELETE', 'GET']);
      const raw = rnd() < 0.1 ? Buffer.from(Array.from({ length: 64 }, () => Math.floor(rnd() * 256))) : JSON.stringify(values()) ?? 'null';
      const r = await api.req(method, pick(paths), method === 'GET' ? undefined : raw, { 'Content-Type': pick(types) });
      codes.set(r.status, (codes.get(r.status) ?? 0) + 1);
      assert.ok(r.status < 500, `request ${i} (${method}) got ${r.status}: ${r.body.slice(0, 300)}`);
      if (r.status >= 400) {
        const s = JSON.parse(r.body);
        assert.equal(s.kind, 'Status', `request ${i} answered a non-Status error`);
      }
    }
    const ok = await api.req('GET', '/api/v1/namespaces/default');
    assert.equal(ok.status, 200, 'still serving after the fuzz loop');
    assert.ok(codes.size > 2, `fuzzing exercised several outcomes: ${[...codes]}`);
  });
});
