import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { ClusterZone, type ClusterLookup } from './records.js';
import { RCODE, TYPE } from './message.js';

function svc(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec };
}

function eps(ns: string, name: string, addresses: { ip: string; hostname?: string }[], ports = [{ name: 'http', port: 8080, protocol: 'TCP' }], notReady: string[] = []): KubeObject {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: ns, name }, subsets: [{ addresses, notReadyAddresses: notReady.map((ip) => ({ ip })), ports }] };
}

function zone(objs: KubeObject[], namespaces = ['default', 'prod']): { z: ClusterZone; objs: KubeObject[] } {
  const lookup: ClusterLookup = {
    service: (ns, n) => objs.find((o) => o.kind === 'Service' && o.metadata.namespace === ns && o.metadata.name === n),
    endpoints: (ns, n) => objs.find((o) => o.kind === 'Endpoints' && o.metadata.namespace === ns && o.metadata.name === n),
    namespaceExists: (ns) => namespaces.includes(ns),
    services: () => objs.filter((o) => o.kind === 'Service'),
  };
  return { z: new ClusterZone(lookup, { domain: 'cluster.local', serviceCIDR: '10.96.0.0/16', podSubnet: '10.244.0.0/16' }), objs };
}

const ips = (r: ReturnType<ClusterZone['resolve']>) => (r?.answers ?? []).map((a) => a.data);

describe('ClusterZone', () => {
  const web = svc('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
  const db = svc('prod', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] });
  const dbEps = eps('prod', 'db', [{ ip: '10.244.0.7', hostname: 'db-0' }, { ip: '10.244.0.8', hostname: 'db-1' }], [{ name: 'pg', port: 5432, protocol: 'TCP' }], ['10.244.0.9']);
  const ext = svc('default', 'search', { type: 'ExternalName', externalName: 'example.com' });
  const inner = svc('default', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' });
  const { z, objs } = zone([web, db, dbEps, ext, inner]);

  it('answers a ClusterIP service by FQDN, case-insensitively', () => {
    const r = z.resolve('web.default.svc.cluster.local', TYPE.A);
    assert.equal(r?.rcode, RCODE.NOERROR);
    assert.deepEqual(ips(r), ['10.96.0.20']);
    assert.deepEqual(ips(z.resolve('WEB.Default.SVC.cluster.local.', TYPE.A)), ['10.96.0.20']);
    assert.equal(r?.authoritative, true);
  });

  it('says NODATA (not NXDOMAIN) for AAAA of an existing name', () => {
    const r = z.resolve('web.default.svc.cluster.local', TYPE.AAAA);
    assert.equal(r?.rcode, RCODE.NOERROR);
    assert.equal(r?.answers.length, 0);
    assert.equal(r?.authorities[0].type, TYPE.SOA);
  });

  it('answers headless services with the ready endpoints only', () => {
    assert.deepEqual(ips(z.resolve('db.prod.svc.cluster.local', TYPE.A)).sort(), ['10.244.0.7', '10.244.0.8']);
  });

  it('answers StatefulSet pod names and dashed IPs under a headless service', () => {
    assert.deepEqual(ips(z.resolve('db-1.db.prod.svc.cluster.local', TYPE.A)), ['10.244.0.8']);
    assert.deepEqual(ips(z.resolve('10-244-0-7.db.prod.svc.cluster.local', TYPE.A)), ['10.244.0.7']);
    assert.equal(z.resolve('db-9.db.prod.svc.cluster.local', TYPE.A)?.rcode, RCODE.NXDOMAIN);
    // not-ready addresses are not published
    assert.equal(z.resolve('10-244-0-9.db.prod.svc.cluster.local', TYPE.A)?.rcode, RCODE.NXDOMAIN);
  });

  it('answers SRV for named ports', () => {
    const c = z.resolve('_http._tcp.web.default.svc.cluster.local', TYPE.SRV);
    assert.deepEqual(ips(c), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
    const h = z.resolve('_pg._tcp.db.prod.svc.cluster.local', TYPE.SRV);
    assert.deepEqual(
      ips(h).map((d) => (d as { target: string }).target),
      ['db-0.db.prod.svc.cluster.local', 'db-1.db.prod.svc.cluster.local'],
    );
    assert.equal(h?.additionals.length, 2);
    assert.equal(z.resolve('_nope._tcp.web.default.svc.cluster.local', TYPE.SRV)?.rcode, RCODE.NXDOMAIN);
  });

  it('answers ExternalName with a CNAME and asks to chase names outside the zone', () => {
    const r = z.resolve('search.default.svc.cluster.local', TYPE.A);
    assert.equal(r?.answers[0].type, TYPE.CNAME);
    assert.equal(r?.answers[0].data, 'example.com');
    assert.equal(r?.chase, 'example.com');
    const a = z.resolve('alias.default.svc.cluster.local', TYPE.A);
    assert.deepEqual(
      a?.answers.map((x) => x.data),
      ['web.default.svc.cluster.local', '10.96.0.20'],
    );
    assert.equal(a?.chase, undefined);
  });

  it('says NXDOMAIN for unknown or deleted services, and for bad namespaces', () => {
    assert.equal(z.resolve('nope.default.svc.cluster.local', TYPE.A)?.rcode, RCODE.NXDOMAIN);
    assert.equal(z.resolve('web.nope.svc.cluster.local', TYPE.A)?.rcode, RCODE.NXDOMAIN);
    assert.equal(z.resolve('default.svc.cluster.local', TYPE.A)?.rcode, RCODE.NOERROR);
    assert.equal(z.resolve('nope.svc.cluster.local', TYPE.A)?.rcode, RCODE.NXDOMAIN);
    // search-path expansions of outside names end in NXDOMAIN quickly
    assert.equal(z.resolve('example.com.default.svc.cluster.local', TYPE.A)?.rcode, RCODE.NXDOMAIN);
    objs.splice(objs.indexOf(web), 1);
    assert.equal(z.resolve('web.default.svc.cluster.local', TYPE.A)?.rcode, RCODE.NXDOMAIN);
    objs.push(web);
  });

  it('answers pod A records from the name', () => {
    assert.deepEqual(ips(z.resolve('10-244-1-2.default.pod.cluster.local', TYPE.A)), ['10.244.1.2']);
    assert.equal(z.resolve('10-244-1-2.nope.pod.cluster.local', TYPE.A)?.rcode, RCODE.NXDOMAIN);
  });

  it('answers PTR for ClusterIPs and named endpoints; leaves other reverse zones alone', () => {
    assert.deepEqual(ips(z.resolve('20.0.96.10.in-addr.arpa', TYPE.PTR)), ['web.default.svc.cluster.local']);
    assert.deepEqual(ips(z.resolve('8.0.244.10.in-addr.arpa', TYPE.PTR)), ['db-1.db.prod.svc.cluster.local']);
    assert.equal(z.resolve('99.0.96.10.in-addr.arpa', TYPE.PTR)?.rcode, RCODE.NXDOMAIN);
    assert.equal(z.resolve('1.1.168.192.in-addr.arpa', TYPE.PTR), undefined);
  });

  it('does not answer names outside the zone (they are forwarded)', () => {
    assert.equal(z.resolve('example.com', TYPE.A), undefined);
    assert.equal(z.resolve('cluster.local.example.com', TYPE.A), undefined);
  });

  it('serves the zone apex SOA', () => {
    const r = z.resolve('cluster.local', TYPE.SOA);
    assert.equal(r?.answers[0].type, TYPE.SOA);
  });
});
