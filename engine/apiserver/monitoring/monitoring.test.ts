import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serveHealth } from './health.js';
import { ApiMetrics } from './metrics.js';
import { buildRegistry } from '../../api/resources/index.js';
import { Store } from '../../store/store.js';

describe('health endpoints', () => {
  it('answer ok, verbose lists, exclusions and single checks like upstream', () => {
    assert.deepEqual(serveHealth('/healthz', new URLSearchParams(), () => true), { status: 200, body: 'ok' });
    const v = serveHealth('/readyz', new URLSearchParams('verbose'), () => true)!;
    assert.equal(v.status, 200);
    assert.match(v.body, /^\[\+\]ping ok\n\[\+\]log ok\n\[\+\]etcd ok\n\[\+\]etcd-readiness ok\n/);
    assert.match(v.body, /\[\+\]shutdown ok\nreadyz check passed\n$/);
    assert.match(serveHealth('/livez', new URLSearchParams('verbose&exclude=etcd'), () => true)!.body, /\[\+\]etcd excluded: ok\n/);
    assert.doesNotMatch(serveHealth('/livez', new URLSearchParams('verbose'), () => false)!.body, /\[-\]/, 'liveness ignores readiness');
    const notReady = serveHealth('/readyz', new URLSearchParams(), () => false)!;
    assert.equal(notReady.status, 500);
    assert.match(notReady.body, /\[-\]informer-sync failed: reason withheld\n[\s\S]*readyz check failed\n$/);
    assert.deepEqual(serveHealth('/livez/ping', new URLSearchParams(), () => true), { status: 200, body: 'ok' });
    assert.equal(serveHealth('/livez/nope', new URLSearchParams(), () => true), undefined);
  });
});

describe('apiserver metrics', () => {
  it('renders request counters, latency histograms and storage gauges in Prometheus text', () => {
    const registry = buildRegistry();
    const store = new Store({ path: ':memory:' });
    const m = new ApiMetrics(registry, store, { major: '1', minor: '32', gitVersion: 'v1.32.4', gitCommit: 'x', gitTreeState: 'clean', buildDate: 'd', goVersion: 'go', compiler: 'gc', platform: 'linux/amd64' });
    const l = { verb: 'LIST', group: '', version: 'v1', resource: 'pods', subresource: '', scope: 'namespace', dryRun: false };
    m.observe(l, 200, 0.003);
    m.observe(l, 200, 0.3);
    const end = m.beginLongRunning({ ...l, verb: 'WATCH' });
    const text = m.render();
    assert.match(text, /^apiserver_request_total\{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"\} 2$/m);
    assert.match(text, /^apiserver_request_duration_seconds_bucket\{.*le="0\.005".*\} 1$/m);
    assert.match(text, /^apiserver_request_duration_seconds_count\{.*\} 2$/m);
    assert.match(text, /^apiserver_longrunning_requests\{.*verb="WATCH".*\} 1$/m);
    assert.match(text, /^apiserver_storage_objects\{resource="deployments\.apps"\} 0$/m);
    assert.match(text, /^# TYPE apiserver_request_total counter$/m);
    end();
    assert.match(m.render(), /^apiserver_longrunning_requests\{.*\} 0$/m);
  });
});
