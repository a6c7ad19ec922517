/**
 * Forwarding of names outside the cluster to the resolvers of the machine the engine runs on
 * (what CoreDNS's `forward . /etc/resolv.conf` does). The query bytes are relayed unchanged
 * (only the id is rewritten), so every record type and EDNS option passes through.
 *
 * UDP uses a fresh socket per query (a random source port, like Docker's embedded resolver), so
 * concurrent queries never share ids; TCP is used when the client asked over TCP or the UDP answer
 * came back truncated and the client can take a large answer.
 */
import dgram from 'node:dgram';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { isIPv4 } from '../network.js';

export interface UpstreamServer {
  host: string;
  port: number;
}

/** nameserver lines of a resolv.conf (IPv4 and IPv6), in order. */
export function parseResolvConf(text: string): UpstreamServer[] {
  const out: UpstreamServer[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) out.push({ host: m[1], port: 53 });
  }
  return out;
}

/** The engine host's resolvers; `exclude` drops addresses (our own server). */
export function hostResolvers(exclude: string[] = [], path = '/etc/resolv.conf'): UpstreamServer[] {
  try {
    return parseResolvConf(readFileSync(path, 'utf8')).filter((s) => !exclude.includes(s.host));
  } catch {
    return [];
  }
}

export class Upstream {
  constructor(
    readonly servers: UpstreamServer[],
    private readonly timeoutMs = 2000,
  ) {}

  /** The answer to `query` (wire bytes) from the first server that answers, or undefined. */
  async exchange(query: Buffer, tcp = false): Promise<Buffer | undefined> {
    for (const s of this.servers) {
      try {
        let reply = tcp ? await this.tcp(s, query) : await this.udp(s, query);
        // Truncated over UDP: ask again over TCP so callers that can take it get the whole answer.
        if (!tcp && reply.length >= 4 && (reply[2] & 0x02) !== 0) reply = await this.tcp(s, query).catch(() => reply);
        return reply;
      } catch {
        // try the next server
      }
    }
    return undefined;
  }

  private udp(s: UpstreamServer, query: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const sock = dgram.createSocket(isIPv4(s.host) ? 'udp4' : 'udp6');
      const timer = setTimeout(() => finish(new Error('timeout')), this.timeoutMs);
      const finish = (err?: Error, msg?: Buffer) => {
        clearTimeout(timer);
        sock.close();
        if (err || !msg) reject(err ?? new Error('no answer'));
        else resolve(msg);
      };
      sock.on('error', (e) => finish(e));
      sock.on('message', (msg) => {
        if (msg.length >= 2 && msg.readUInt16BE(0) === query.readUInt16BE(0)) finish(undefined, msg);
      });
      sock.send(query, s.port, s.host, (e) => e && finish(e));
    });
  }

  private tcp(s: UpstreamServer, query: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host: s.host, port: s.port });
      let buf = Buffer.alloc(0);
      const timer = setTimeout(() => finish(new Error('timeout')), this.timeoutMs);
      const finish = (err?: Error, msg?: Buffer) => {
        clearTimeout(timer);
        sock.destroy();
        if (err || !msg) reject(err ?? new Error('no answer'));
        else resolve(msg);
      };
      sock.on('error', (e) => finish(e));
      sock.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(query.length);
        sock.write(Buffer.concat([len, query]));
      });
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) finish(undefined, buf.subarray(2, 2 + buf.readUInt16BE(0)));
      });
      sock.on('end', () => finish(new Error('closed')));
    });
  }
}
