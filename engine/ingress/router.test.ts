import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { IngressRouter, prefixMatches } from './router.js';

function ing(name: string, created: string, spec: Record<string, unknown>, ns = 'default'): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { namespace: ns, name, creationTimestamp: created }, spec };
}

const be = (service: string, port: number | string = 80) => ({ service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } });

describe('IngressRouter', () => {
  const router = new IngressRouter([
    ing('a', '2025-01-01T00:00:00Z', {
      rules: [
        { host: 'app.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('app') }, { path: '/api', pathType: 'Prefix', backend: be('api', 'http') }, { path: '/api/v1/health', pathType: 'Exact', backend: be('health') }] } },
        { host: '*.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('wild') }] } },
        { http: { paths: [{ path: '/static', pathType: 'ImplementationSpecific', backend: be('static') }] } },
      ],
    }),
    ing('b', '2025-01-02T00:00:00Z', {
      defaultBackend: be('fallback'),
      rules: [
        { host: 'app.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('newer') }] } },
        { host: 'other.test', http: { paths: [{ path: '/x/', pathType: 'Prefix', backend: be('x') }] } },
      ],
    }),
  ]);
  const svc = (host: string, path: string) => router.match(host, path).backend?.service;

  it('routes by exact host, then wildcard host, then host-less rules', () => {
    assert.equal(svc('app.example.com', '/'), 'app');
    assert.equal(svc('APP.example.com:8080', '/index.html'), 'app');
    assert.equal(svc('blog.example.com', '/'), 'wild');
    assert.equal(svc('a.b.example.com', '/static/x.css'), 'static');
    assert.equal(svc('example.com', '/static'), 'static');
  });

  it('Exact beats Prefix, the longest Prefix wins, elements match whole', () => {
    assert.equal(svc('app.example.com', '/api/v1/health'), 'health');
    assert.equal(svc('app.example.com', '/api/v1/health/'), 'api');
    assert.equal(svc('app.example.com', '/api'), 'api');
    assert.equal(svc('app.example.com', '/api/users?x=1'), 'api');
    assert.equal(svc('app.example.com', '/apis'), 'app');
    assert.equal(router.match('app.example.com', '/api').backend?.port, 'http');
  });

  it('the oldest Ingress wins a tie; unmatched requests go to the default backend', () => {
    assert.equal(svc('app.example.com', '/anything'), 'app');
    assert.equal(svc('other.test', '/x'), 'x');
    assert.equal(svc('other.test', '/y'), 'fallback');
    assert.equal(router.match('other.test', '/y').route, undefined);
  });

  it('answers nothing when there is no default backend', () => {
    const r = new IngressRouter([ing('c', '2025-01-01T00:00:00Z', { rules: [{ host: 'h', http: { paths: [{ path: '/', pathType: 'Exact', backend: be('s') }] } }] })]);
    assert.equal(r.match('h', '/').backend?.service, 's');
    assert.deepEqual(r.match('h', '/a'), {});
  });

  it('prefixMatches', () => {
    assert.ok(prefixMatches('/', '/anything'));
    assert.ok(prefixMatches('/foo/', '/foo'));
    assert.ok(prefixMatches('/foo', '/foo/bar'));
    assert.ok(!prefixMatches('/foo', '/foobar'));
  });
});
