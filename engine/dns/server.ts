/**
 * Cluster DNS server (the DNS add-on's role), in the engine process: UDP and TCP on one address
 * and port. Questions about the cluster zone are answered from the informer caches
 * ({@link ClusterZone}); everything else is forwarded to the engine host's resolvers.
 *
 * How pods reach it (see engine/proxy/proxy.ts): pods get the `kube-dns` ClusterIP (10.96.0.10)
 * as their nameserver; Docker's embedded resolver in each pod forwards to it from the pod's
 * network namespace; the service proxy DNATs that VIP to this server, which listens on the
 * cluster bridge's gateway address (the host side of the cluster network).
 */
import dgram from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { CLASS_IN, OPCODE_QUERY, RCODE, TYPE, decode, encode, type Message, type ResourceRecord } from './message.js';
import type { ClusterZone, Resolution } from './records.js';
import type { Upstream } from './upstream.js';

export interface DnsServerOptions {
  zone: ClusterZone;
  upstream: Upstream;
}

export interface DnsStats {
  queries: number;
  local: number;
  forwarded: number;
  failures: number;
}

/** Largest UDP payload we advertise and accept over EDNS (the DNS flag day 2020 value). */
const EDNS_PAYLOAD = 1232;

export class DnsServer {
  private udp: dgram.Socket | undefined;
  private tcp: Server | undefined;
  private readonly conns = new Set<Socket>();
  readonly stats: DnsStats = { queries: 0, local: 0, forwarded: 0, failures: 0 };
  address: { host: string; port: number } | undefined;

  constructor(private readonly opts: DnsServerOptions) {}

  /**
   * Binds UDP and TCP on host:port. Port 0 picks a free UDP port and takes the same TCP port
   * (retrying a few times if another process holds that TCP port).
   */
  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const udp = dgram.createSocket({ type: 'udp4', reuseAddr: false });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, host, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      const bound = udp.address().port;
      const tcp = createServer((s) => this.serveTcp(s));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(bound, host, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        udp.close();
        if (port !== 0) throw e;
        continue;
      }
      udp.on('message', (msg, rinfo) => {
        void this.answer(msg, 'udp').then((reply) => {
          if (reply) udp.send(reply, rinfo.port, rinfo.address);
        });
      });
      udp.on('error', (e) => console.error(`dns: udp: ${e.message}`));
      tcp.on('error', (e) => console.error(`dns: tcp: ${e.message}`));
      this.udp = udp;
      this.tcp = tcp;
      this.address = { host, port: bound };
      return this.address;
    }
    throw new Error(`dns: no free port on ${host}`);
  }

  async close(): Promise<void> {
    this.udp?.close();
    this.udp = undefined;
    for (const c of this.conns) c.destroy();
    const tcp = this.tcp;
    this.tcp = undefined;
    if (tcp) await new Promise<void>((r) => tcp.close(() => r()));
  }

  private serveTcp(sock: Socket): void {
    this.conns.add(sock);
    sock.setNoDelay(true);
    let buf = Buffer.alloc(0);
    const idle = setTimeout(() => sock.destroy(), 30_000);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void this.answer(Buffer.from(msg), 'tcp').then((reply) => {
          if (!reply || sock.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          sock.write(Buffer.concat([len, reply]));
        });
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      clearTimeout(idle);
      this.conns.delete(sock);
    });
  }

  /** One query in, one answer out (undefined: drop, e.g. a response or garbage). */
  async answer(raw: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    this.stats.queries++;
    let q: Message;
    try {
      q = decode(raw);
    } catch {
      if (raw.length < 12) return undefined;
      // FORMERR with the id and opcode echoed, no sections.
      const b = Buffer.alloc(12);
      raw.copy(b, 0, 0, 4);
      b[2] = (b[2] & 0x79) | 0x80;
      b[3] = RCODE.FORMERR;
      return b;
    }
    if (q.flags.qr) return undefined;
    const opt = q.additionals.find((r) => r.type === TYPE.OPT);
    const maxSize = transport === 'tcp' ? 65535 : opt ? Math.max(512, Math.min(opt.class, EDNS_PAYLOAD)) : 512;
    const reply = (rcode: number, r?: Partial<Resolution>): Buffer => {
      const m: Message = {
        id: q.id,
        flags: { qr: true, opcode: q.flags.opcode, aa: r?.authoritative ?? false, tc: false, rd: q.flags.rd, ra: true, rcode },
        questions: q.questions,
        answers: r?.answers ?? [],
        authorities: r?.authorities ?? [],
        additionals: [...(r?.additionals ?? []), ...(opt ? [optRecord()] : [])],
      };
      return encode(m, { maxSize });
    };
    if (q.flags.opcode !== OPCODE_QUERY) return reply(RCODE.NOTIMP);
    if (q.questions.length !== 1) return reply(RCODE.FORMERR);
    const question = q.questions[0];
    let res: Resolution | undefined;
    if (question.class === CLASS_IN || question.class === 255) {
      try {
        res = this.opts.zone.resolve(question.name, question.type);
      } catch (e) {
        this.stats.failures++;
        console.error(`dns: resolving ${question.name}: ${(e as Error).message}`);
        return reply(RCODE.SERVFAIL);
      }
    }
    if (res) {
      this.stats.local++;
      if (res.chase) res = { ...res, answers: [...res.answers, ...(await this.chase(res.chase, question.type))] };
      return reply(res.rcode, res);
    }
    this.stats.forwarded++;
    const fwd = await this.opts.upstream.exchange(raw, transport === 'tcp');
    if (!fwd || fwd.length < 12) {
      this.stats.failures++;
      return reply(RCODE.SERVFAIL);
    }
    // Relay as is; too big for the client's UDP size → mark truncated so it retries over TCP.
    if (fwd.length > maxSize) {
      try {
        return encode({ ...decode(fwd), id: q.id }, { maxSize });
      } catch {
        return reply(RCODE.SERVFAIL);
      }
    }
    return fwd;
  }

  /** Records of `name` from upstream (the target of an ExternalName CNAME). */
  private async chase(name: string, qtype: number): Promise<ResourceRecord[]> {
    const t = qtype === TYPE.ANY ? TYPE.A : qtype;
    const query = encode({ id: Math.floor(Math.random() * 65536), flags: { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0 }, questions: [{ name, type: t, class: CLASS_IN }], answers: [], authorities: [], additionals: [] });
    const raw = await this.opts.upstream.exchange(query).catch(() => undefined);
    if (!raw) return [];
    try {
      return decode(raw).answers;
    } catch {
      return [];
    }
  }
}

function optRecord(): ResourceRecord {
  return { name: '', type: TYPE.OPT, class: EDNS_PAYLOAD, ttl: 0, data: Buffer.alloc(0) };
}
