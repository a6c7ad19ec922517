import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CLASS_IN, DnsFormatError, RCODE, TYPE, decode, encode, query, splitName, type Message } from './message.js';

function response(answers: Message['answers'], extra: Partial<Message> = {}): Message {
  return {
    id: 0x1234,
    flags: { qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: true, rcode: RCODE.NOERROR },
    questions: [{ name: 'web.default.svc.cluster.local', type: TYPE.A, class: CLASS_IN }],
    answers,
    authorities: [],
    additionals: [],
    ...extra,
  };
}

describe('DNS message codec', () => {
  it('round-trips a query', () => {
    const q = decode(query(7, 'Web.Default.svc.cluster.local', TYPE.AAAA));
    assert.equal(q.id, 7);
    assert.equal(q.flags.qr, false);
    assert.equal(q.flags.rd, true);
    assert.deepEqual(q.questions, [{ name: 'Web.Default.svc.cluster.local', type: TYPE.AAAA, class: CLASS_IN }]);
  });

  it('round-trips every record type we answer with', () => {
    const m = response(
      [
        { name: 'web.default.svc.cluster.local', type: TYPE.A, class: CLASS_IN, ttl: 5, data: '10.96.0.12' },
        { name: 'alias.default.svc.cluster.local', type: TYPE.CNAME, class: CLASS_IN, ttl: 5, data: 'example.com' },
        { name: '_http._tcp.web.default.svc.cluster.local', type: TYPE.SRV, class: CLASS_IN, ttl: 5, data: { priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' } },
        { name: '12.0.96.10.in-addr.arpa', type: TYPE.PTR, class: CLASS_IN, ttl: 5, data: 'web.default.svc.cluster.local' },
        { name: 'x.cluster.local', type: TYPE.TXT, class: CLASS_IN, ttl: 5, data: ['a', 'bc'] },
        { name: 'v6.example', type: TYPE.AAAA, class: CLASS_IN, ttl: 5, data: Buffer.alloc(16, 1) },
      ],
      {
        authorities: [{ name: 'cluster.local', type: TYPE.SOA, class: CLASS_IN, ttl: 5, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 42, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 } }],
        additionals: [{ name: '', type: TYPE.OPT, class: 1232, ttl: 0, data: Buffer.alloc(0) }],
      },
    );
    const back = decode(encode(m));
    assert.deepEqual(back, m);
  });

  it('compresses repeated names', () => {
    const many = response(Array.from({ length: 10 }, (_, i) => ({ name: 'web.default.svc.cluster.local', type: TYPE.A, class: CLASS_IN, ttl: 5, data: `10.244.0.${i + 1}` })));
    const b = encode(many);
    // 12 header + question (31+4) + 10 × (2 pointer + 10 fixed + 4 data)
    assert.equal(b.length, 12 + 35 + 10 * 16);
  });

  it('truncates to the size limit and sets TC', () => {
    const many = response(Array.from({ length: 100 }, (_, i) => ({ name: 'web.default.svc.cluster.local', type: TYPE.A, class: CLASS_IN, ttl: 5, data: `10.244.0.${i + 1}` })));
    const b = encode(many, { maxSize: 512 });
    assert.ok(b.length <= 512);
    const d = decode(b);
    assert.equal(d.flags.tc, true);
    assert.ok(d.answers.length > 0 && d.answers.length < 100);
  });

  it('rejects malformed input instead of looping', () => {
    const loop = Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    assert.throws(() => decode(loop), DnsFormatError);
    assert.throws(() => decode(Buffer.from([1, 2, 3])), DnsFormatError);
    const truncated = query(1, 'a.b', TYPE.A).subarray(0, 15);
    assert.throws(() => decode(truncated), DnsFormatError);
  });

  it('keeps escaped dots inside a label', () => {
    assert.deepEqual(
      splitName('a\\.b.c').map((l) => l.toString()),
      ['a.b', 'c'],
    );
    const q = decode(query(1, 'a\\.b.c', TYPE.A));
    assert.equal(q.questions[0].name, 'a\\.b.c');
  });
});
