/**
 * NodePort and LoadBalancer on the host's loopback: the engine listens on 127.0.0.1:<port> and
 * relays each TCP connection (or UDP flow) to a ready endpoint chosen by the {@link Balancer} —
 * what Docker's userland proxy does for published ports and k3s' servicelb does with a pod.
 * Loopback only: Skiff never exposes pods on other interfaces (ARCHITECTURE §3/§4).
 *
 * One listener per host port, whatever the number of Services: listeners are reconciled against
 * the wanted set on every sync, and a listener's target is looked up per connection, so endpoint
 * changes need no rebinding. LINUX-ONLY part: connecting to pod IPs from this process works when
 * the Docker bridge is routable from here (Linux dockerd).
 */
import dgram from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Endpoint, Protocol } from './model.js';

export type PickEndpoint = (clientIP: string) => Endpoint | undefined;

export interface ListenerSpec {
  /** `tcp:127.0.0.1:30080`. */
  key: string;
  protocol: Protocol;
  host: string;
  port: number;
  /** The service port it serves (for events). */
  owner: string;
}

interface Live {
  spec: ListenerSpec;
  close(): Promise<void>;
}

/** UDP flows idle longer than this are forgotten (conntrack's UDP stream timeout). */
const UDP_IDLE_MS = 120_000;

export class UserspaceProxy {
  private readonly live = new Map<string, Live>();
  private readonly failed = new Map<string, string>();
  private readonly targets = new Map<string, PickEndpoint>();

  /**
   * Makes the listeners exactly `wanted`. Returns the specs that could not be bound (port in use,
   * no permission) with the error, so the caller can report them.
   */
  async reconcile(wanted: { spec: ListenerSpec; pick: PickEndpoint }[]): Promise<Map<string, string>> {
    const want = new Map(wanted.map((w) => [w.spec.key, w]));
    for (const [k, l] of this.live) {
      if (!want.has(k) || want.get(k)?.spec.owner !== l.spec.owner) {
        this.live.delete(k);
        await l.close();
      }
    }
    this.targets.clear();
    for (const w of wanted) this.targets.set(w.spec.key, w.pick);
    const errors = new Map<string, string>();
    for (const w of wanted) {
      if (this.live.has(w.spec.key)) continue;
      try {
        this.live.set(w.spec.key, w.spec.protocol === 'UDP' ? await this.udp(w.spec) : await this.tcp(w.spec));
        this.failed.delete(w.spec.key);
      } catch (e) {
        errors.set(w.spec.key, (e as Error).message);
        this.failed.set(w.spec.key, (e as Error).message);
      }
    }
    return errors;
  }

  bound(key: string): boolean {
    return this.live.has(key);
  }

  async close(): Promise<void> {
    for (const l of this.live.values()) await l.close();
    this.live.clear();
  }

  private tcp(spec: ListenerSpec): Promise<Live> {
    const conns = new Set<Socket>();
    const server: Server = createServer({ noDelay: true }, (client) => {
      const pick = this.targets.get(spec.key);
      const ep = pick?.(client.remoteAddress ?? '');
      if (!ep) {
        client.resetAndDestroy();
        return;
      }
      conns.add(client);
      const upstream = connect({ host: ep.ip, port: ep.port, noDelay: true });
      conns.add(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      const done = () => {
        client.destroy();
        upstream.destroy();
        conns.delete(client);
        conns.delete(upstream);
      };
      // A refused backend looks like a refused service to the client (RST, not an empty reply).
      upstream.on('error', () => (client.destroyed ? done() : (client.resetAndDestroy(), done())));
      client.on('error', done);
      client.on('close', done);
      upstream.on('close', done);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port, spec.host, () => {
        server.off('error', reject);
        server.on('error', (e) => console.error(`proxy: ${spec.key}: ${e.message}`));
        resolve({
          spec,
          close: () =>
            new Promise<void>((r) => {
              for (const c of conns) c.destroy();
              server.close(() => r());
            }),
        });
      });
    });
  }

  private udp(spec: ListenerSpec): Promise<Live> {
    const flows = new Map<string, { sock: dgram.Socket; last: number }>();
    const front = dgram.createSocket('udp4');
    const sweep = setInterval(() => {
      const now = Date.now();
      for (const [k, f] of flows) {
        if (now - f.last > UDP_IDLE_MS) {
          f.sock.close();
          flows.delete(k);
        }
      }
    }, 10_000);
    sweep.unref();
    front.on('message', (msg, rinfo) => {
      const k = `${rinfo.address}:${rinfo.port}`;
      let f = flows.get(k);
      if (!f) {
        const ep = this.targets.get(spec.key)?.(rinfo.address);
        if (!ep) return;
        const sock = dgram.createSocket('udp4');
        sock.on('message', (reply) => {
          const flow = flows.get(k);
          if (flow) flow.last = Date.now();
          front.send(reply, rinfo.port, rinfo.address);
        });
        sock.on('error', () => {
          sock.close();
          flows.delete(k);
        });
        sock.connect(ep.port, ep.ip);
        f = { sock, last: Date.now() };
        flows.set(k, f);
        const flow = f;
        sock.once('connect', () => flow.sock.send(msg));
        return;
      }
      f.last = Date.now();
      try {
        f.sock.send(msg);
      } catch {
        // not connected yet; the datagram is dropped, as UDP may
      }
    });
    return new Promise((resolve, reject) => {
      front.once('error', reject);
      front.bind(spec.port, spec.host, () => {
        front.off('error', reject);
        resolve({
          spec,
          close: async () => {
            clearInterval(sweep);
            for (const f of flows.values()) f.sock.close();
            flows.clear();
            front.close();
          },
        });
      });
    });
  }
}
