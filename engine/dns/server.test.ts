import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { connect } from 'node:net';
import type { KubeObject } from '../api/types.js';
import { CLASS_IN, RCODE, TYPE, decode, encode, query, type Message } from './message.js';
import { ClusterZone } from './records.js';
import { DnsServer } from './server.js';
import { Upstream, parseResolvConf } from './upstream.js';

/** A stand-in for the host resolver: answers every A question with 192.0.2.99. */
async function fakeUpstream(): Promise<{ port: number; seen: string[]; close(): void }> {
  const seen: string[] = [];
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, r) => {
    const q = decode(msg);
    seen.push(q.questions[0].name);
    const reply: Message = { ...q, flags: { ...q.flags, qr: true, ra: true }, answers: q.questions[0].type === TYPE.A ? [{ name: q.questions[0].name, type: TYPE.A, class: CLASS_IN, ttl: 60, data: '192.0.2.99' }] : [] };
    sock.send(encode(reply), r.port, r.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { port: sock.address().port, seen, close: () => sock.close() };
}

function udpAsk(port: number, buf: Buffer): Promise<Message> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => (s.close(), reject(new Error('timeout'))), 3000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(decode(m));
    });
    s.send(buf, port, '127.0.0.1');
  });
}

function tcpAsk(port: number, buf: Buffer): Promise<Message> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let acc = Buffer.alloc(0);
    s.on('connect', () => {
      const l = Buffer.alloc(2);
      l.writeUInt16BE(buf.length);
      s.write(Buffer.concat([l, buf]));
    });
    s.on('data', (d: Buffer) => {
      acc = Buffer.concat([acc, d]);
      if (acc.length >= 2 && acc.length >= 2 + acc.readUInt16BE(0)) {
        s.destroy();
        resolve(decode(acc.subarray(2, 2 + acc.readUInt16BE(0))));
      }
    });
    s.on('error', reject);
  });
}

describe('DnsServer', () => {
  const objs: KubeObject[] = [
    { kind: 'Service', metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.96.0.20' } },
    { kind: 'Service', metadata: { namespace: 'default', name: 'big' }, spec: { clusterIP: 'None' } },
    { kind: 'Endpoints', metadata: { namespace: 'default', name: 'big' }, subsets: [{ addresses: Array.from({ length: 60 }, (_, i) => ({ ip: `10.244.1.${i + 1}` })), ports: [{ port: 80 }] }] },
    { kind: 'Service', metadata: { namespace: 'default', name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.org' } },
  ];
  const zone = new ClusterZone(
    {
      service: (ns, n) => objs.find((o) => o.kind === 'Service' && o.metadata.namespace === ns && o.metadata.name === n),
      endpoints: (ns, n) => objs.find((o) => o.kind === 'Endpoints' && o.metadata.namespace === ns && o.metadata.name === n),
      namespaceExists: (ns) => ns === 'default',
      services: () => objs.filter((o) => o.kind === 'Service'),
    },
    { domain: 'cluster.local', serviceCIDR: '10.96.0.0/16', podSubnet: '10.244.0.0/16' },
  );
  let up: Awaited<ReturnType<typeof fakeUpstream>>;
  let server: DnsServer;
  let port: number;

  before(async () => {
    up = await fakeUpstream();
    server = new DnsServer({ zone, upstream: new Upstream([{ host: '127.0.0.1', port: up.port }], 1000) });
    port = (await server.listen('127.0.0.1', 0)).port;
  });
  after(async () => {
    await server.close();
    up.close();
  });

  it('answers cluster names over UDP and TCP', async () => {
    const u = await udpAsk(port, query(1, 'web.default.svc.cluster.local', TYPE.A));
    assert.equal(u.id, 1);
    assert.equal(u.flags.qr, true);
    assert.equal(u.flags.aa, true);
    assert.deepEqual(
      u.answers.map((a) => a.data),
      ['10.96.0.20'],
    );
    const t = await tcpAsk(port, query(2, 'web.default.svc.cluster.local', TYPE.A));
    assert.deepEqual(
      t.answers.map((a) => a.data),
      ['10.96.0.20'],
    );
  });

  it('answers NXDOMAIN for unknown cluster names without asking upstream', async () => {
    const before = up.seen.length;
    const r = await udpAsk(port, query(3, 'gone.default.svc.cluster.local', TYPE.A));
    assert.equal(r.flags.rcode, RCODE.NXDOMAIN);
    assert.equal(up.seen.length, before);
  });

  it('forwards other names upstream', async () => {
    const r = await udpAsk(port, query(4, 'www.example.com', TYPE.A));
    assert.equal(r.id, 4);
    assert.deepEqual(
      r.answers.map((a) => a.data),
      ['192.0.2.99'],
    );
    assert.ok(up.seen.includes('www.example.com'));
  });

  it('chases ExternalName targets upstream', async () => {
    const r = await udpAsk(port, query(5, 'ext.default.svc.cluster.local', TYPE.A));
    assert.deepEqual(
      r.answers.map((a) => [a.type, a.data]),
      [
        [TYPE.CNAME, 'example.org'],
        [TYPE.A, '192.0.2.99'],
      ],
    );
  });

  it('truncates big UDP answers (TC) and gives the whole answer over TCP', async () => {
    const u = await udpAsk(port, query(6, 'big.default.svc.cluster.local', TYPE.A));
    assert.equal(u.flags.tc, true);
    const t = await tcpAsk(port, query(6, 'big.default.svc.cluster.local', TYPE.A));
    assert.equal(t.flags.tc, false);
    assert.equal(t.answers.length, 60);
  });

  it('answers FORMERR to garbage and ignores responses', async () => {
    const bad = Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12]);
    const r = await udpAsk(port, bad);
    assert.equal(r.id, 9);
    assert.equal(r.flags.rcode, RCODE.FORMERR);
    assert.equal(await server.answer(encode({ ...decode(query(1, 'a', TYPE.A)), flags: { qr: true, opcode: 0, aa: false, tc: false, rd: false, ra: false, rcode: 0 } }), 'udp'), undefined);
  });

  it('parses resolv.conf', () => {
    assert.deepEqual(parseResolvConf('# c\nsearch x\nnameserver 10.0.0.2\nnameserver  ::1\noptions ndots:1\n'), [
      { host: '10.0.0.2', port: 53 },
      { host: '::1', port: 53 },
    ]);
  });
});
