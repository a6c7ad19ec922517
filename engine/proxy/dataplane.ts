/**
 * The kernel data path: applies the compiled nat (Services) and filter (NetworkPolicy) rules in
 * the Docker host's network namespace, where the cluster bridge lives.
 *
 * LINUX-ONLY. How, without the engine needing root and with nothing but the Docker API: one
 * per-cluster *system container* (`io.skiff.role=system`, `skiff_<cluster>_network_<id>`) runs
 * Skiff's own pause image with `--network host` and CAP_NET_ADMIN, and borrows the host's
 * userland read-only (bind mounts of /usr, /lib*, /bin, /sbin, /etc — so `iptables` is exactly
 * the host's, same backend (nft or legacy) as Docker's own rules, and /run/xtables.lock is
 * shared) plus the host's /proc/sys/net (Docker mounts /proc/sys read-only in containers). Each
 * sync is one `docker exec` of `sh -c` that runs `iptables-restore --noflush` (atomic per table)
 * on the rules from stdin, makes sure the jumps from the built-in chains exist, turns on hairpin
 * mode on the bridge ports (a pod reaching itself through its Service) and route_localnet on the
 * cluster bridge only (so the host's own 127.0.0.1:<nodePort> connections can be DNATed to pods;
 * P-INPUT drops the martian traffic that would otherwise let in). No registry, no image of our
 * own beyond the pause image the kubelet already builds.
 *
 * On Docker Desktop the host's directories are not the VM's, so the helper cannot start: the
 * dataplane reports itself unavailable with the reason; the proxy then records Warning events
 * (ClusterIPs and NetworkPolicies are not enforced) and clears the pods' cluster DNS setting.
 */
import { existsSync } from 'node:fs';
import type Docker from 'dockerode';
import type { ContainerRuntime } from '../kubelet/runtime/runtime.js';
import { LABEL } from '../kubelet/runtime/runtime.js';

export interface RuleSet {
  nat: { chains: string[]; rules: string[] };
  filter: { chains: string[]; rules: string[] };
}

/** Jumps from built-in chains into ours: [table, chain, ...rule args]. */
export type Jump = [table: 'nat' | 'filter', chain: string, ...args: string[]];

export interface Dataplane {
  /** Undefined while starting; a reason when the data path cannot run here. */
  readonly unavailable: string | undefined;
  readonly ready: boolean;
  /** Warnings found at start (br_netfilter off…). */
  readonly warnings: string[];
  /**
   * The host may DNAT its own 127.0.0.1 connections to pods (route_localnet is on for the
   * cluster bridge). When false, 127.0.0.1 NodePorts stay with the userspace relay.
   */
  readonly localnet: boolean;
  start(): Promise<void>;
  apply(rules: RuleSet): Promise<void>;
  stop(): Promise<void>;
}

export interface HostDataplaneOptions {
  docker: Docker;
  runtime: ContainerRuntime;
  clusterName: string;
  nodeName: string;
  /** Chain prefix (iptables.ts chainPrefix). */
  prefix: string;
  podSubnet: string;
  /** The cluster bridge's Linux interface name (br-<network id[:12]>). */
  bridge: () => string | undefined;
}

const HOST_DIRS = ['/usr', '/lib', '/lib32', '/lib64', '/libx32', '/bin', '/sbin', '/etc'];
/** Bump when the helper's container config changes: older helpers are replaced, not adopted. */
const HELPER_VERSION = '2';
/** Where the host's /proc/sys/net is mounted in the helper (Docker mounts /proc/sys read-only). */
const HOST_NET_SYSCTL = '/host/proc/sys/net';

/** Runs iptables in the Docker host's network namespace through a helper container. */
export class HostIptablesDataplane implements Dataplane {
  unavailable: string | undefined;
  ready = false;
  warnings: string[] = [];
  localnet = false;
  private containerId: string | undefined;
  /** Our chains present in the kernel, per table (so stale ones are deleted). */
  private present: { nat: Set<string>; filter: Set<string> } = { nat: new Set(), filter: new Set() };
  private hasDockerUser = true;

  constructor(private readonly o: HostDataplaneOptions) {}

  get name(): string {
    return `skiff_${this.o.clusterName.replace(/[^a-zA-Z0-9.-]/g, '-')}_network_${this.o.prefix.slice(4)}`;
  }

  jumps(): Jump[] {
    const P = this.o.prefix;
    return [
      ['nat', 'PREROUTING', '-s', this.o.podSubnet, '-j', `${P}-SERVICES`],
      ['nat', 'OUTPUT', '-j', `${P}-SERVICES`],
      ['nat', 'POSTROUTING', '-j', `${P}-POST`],
      ['filter', this.hasDockerUser ? 'DOCKER-USER' : 'FORWARD', '-j', `${P}-FW`],
      ['filter', 'OUTPUT', '-j', `${P}-OUT`],
      ['filter', 'INPUT', '-j', `${P}-INPUT`],
    ];
  }

  async start(): Promise<void> {
    if (process.platform !== 'linux') {
      this.unavailable = `the Service and NetworkPolicy data path needs a Linux Docker host sharing this machine's kernel (found ${process.platform}); ClusterIPs are not reachable from pods`;
      return;
    }
    try {
      this.containerId = await this.ensureHelper();
      const probe = await this.exec(['sh', '-c', 'iptables -w 5 -t nat -S PREROUTING >/dev/null && (iptables -w 5 -S DOCKER-USER >/dev/null 2>&1 && echo docker-user || echo no-docker-user); cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo missing']);
      if (probe.code !== 0) throw new Error(`iptables does not work in the network helper: ${probe.stderr.trim() || probe.stdout.trim()}`);
      const [du, bnf] = probe.stdout.trim().split('\n');
      this.hasDockerUser = du === 'docker-user';
      if (bnf !== '1') {
        this.warnings.push(`net.bridge.bridge-nf-call-iptables is ${bnf ?? 'missing'} on the Docker host: NetworkPolicy cannot filter pod-to-pod traffic and pod-to-Service replies between pods may fail (run: modprobe br_netfilter; sysctl -w net.bridge.bridge-nf-call-iptables=1)`);
      }
      // Chains left by an earlier run of this cluster (crash, kill -9): delete the stale ones.
      const saved = await this.exec(['sh', '-c', 'iptables-save -t nat; iptables-save -t filter']);
      let table: 'nat' | 'filter' | undefined;
      for (const line of saved.stdout.split('\n')) {
        if (line === '*nat') table = 'nat';
        else if (line === '*filter') table = 'filter';
        else if (table && line.startsWith(`:${this.o.prefix}-`)) this.present[table].add(line.slice(1).split(' ')[0]);
      }
      await this.collectOrphans(saved.stdout).catch((e: Error) => console.error(`service proxy: cleaning up chains of dead engines: ${e.message}`));
      this.ready = true;
      const br = this.o.bridge();
      if (br && /^[a-zA-Z0-9_.-]+$/.test(br)) {
        const f = `${HOST_NET_SYSCTL}/ipv4/conf/${br}/route_localnet`;
        const r = await this.exec(['sh', '-c', `[ "$(cat ${f})" = 1 ] || echo 1 > ${f}; cat ${f}`]).catch(() => undefined);
        this.localnet = r?.stdout.trim() === '1';
      }
    } catch (e) {
      this.unavailable = (e as Error).message;
    }
  }

  /**
   * Chains of engines that died without cleaning up (kill -9, a test that removed everything by
   * label): every live engine has a helper container labelled with its prefix, so SKF-* chains
   * whose prefix has none are orphans. Their jumps from built-in chains are deleted, then the
   * chains. Only whole prefixes are touched, never a live engine's rules.
   */
  private async collectOrphans(saved: string): Promise<void> {
    const prefixes = new Set<string>();
    for (const m of saved.matchAll(/^:(SKF-[0-9a-f]{6})-/gm)) prefixes.add(m[1]);
    prefixes.delete(this.o.prefix);
    if (prefixes.size === 0) return;
    const helpers = await this.o.docker.listContainers({ all: true, filters: { label: [`${LABEL.role}=system`, 'io.skiff.system=network'] } });
    const live = new Set(helpers.map((h) => h.Labels['io.skiff.system.instance']).filter(Boolean));
    const dead = [...prefixes].filter((p) => !live.has(p));
    if (dead.length === 0) return;
    const isDead = (chain: string) => dead.some((p) => chain.startsWith(`${p}-`));
    const deletes: string[] = [];
    const restore: string[] = [];
    for (const block of saved.split(/^(?=\*)/m)) {
      const t = /^\*(\w+)/.exec(block)?.[1];
      if (t !== 'nat' && t !== 'filter') continue;
      const chains = [...block.matchAll(/^:(\S+)/gm)].map((m) => m[1]).filter(isDead);
      for (const line of block.split('\n')) {
        const m = /^-A (\S+)(.*) -j (\S+)$/.exec(line);
        if (m && !isDead(m[1]) && isDead(m[3]) && /^[\w ./:!-]*$/.test(m[2])) deletes.push(`iptables -w 5 -t ${t} -D ${m[1]}${m[2]} -j ${m[3]} || true`);
      }
      if (chains.length) restore.push(`*${t}`, ...chains.map((c) => `:${c} - [0:0]`), ...chains.map((c) => `-X ${c}`), 'COMMIT');
    }
    const r = await this.exec(['sh', '-c', `${deletes.join('\n')}\niptables-restore -w 5 --noflush`], restore.join('\n') + '\n');
    if (r.code !== 0) throw new Error(r.stderr.trim());
    console.log(`service proxy: removed iptables chains of ${dead.length} engine(s) that are gone (${dead.join(', ')})`);
  }

  private async ensureHelper(): Promise<string> {
    const docker = this.o.docker;
    const filters = { label: [`${LABEL.cluster}=${this.o.clusterName}`, `${LABEL.role}=system`, 'io.skiff.system=network', `io.skiff.system.instance=${this.o.prefix}`] };
    const found = await docker.listContainers({ all: true, filters });
    for (const c of found) {
      if (c.State === 'running' && c.Labels['io.skiff.system.version'] === HELPER_VERSION) return c.Id;
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    const image = await this.o.runtime.ensureSandboxImage();
    // Linux-only: these are the Docker host's paths, which are this machine's on Linux.
    const binds = HOST_DIRS.filter((d) => existsSync(d)).map((d) => `${d}:${d}:ro`);
    if (existsSync('/run/xtables.lock')) binds.push('/run/xtables.lock:/run/xtables.lock');
    // route_localnet on the cluster bridge (only there) for the 127.0.0.1 NodePort DNAT.
    binds.push(`/proc/sys/net:${HOST_NET_SYSCTL}`);
    const create = () =>
      docker.createContainer({
        name: this.name,
        Image: image,
        Labels: { [LABEL.cluster]: this.o.clusterName, [LABEL.node]: this.o.nodeName, [LABEL.role]: 'system', 'io.skiff.system': 'network', 'io.skiff.system.instance': this.o.prefix, 'io.skiff.system.version': HELPER_VERSION },
        HostConfig: {
          NetworkMode: 'host',
          CapDrop: ['ALL'],
          CapAdd: ['NET_ADMIN', 'NET_RAW'],
          Binds: binds,
          ReadonlyRootfs: true,
          RestartPolicy: { Name: 'no' },
          SecurityOpt: ['no-new-privileges'],
        },
      });
    let c: Docker.Container;
    try {
      c = await create();
    } catch (e) {
      // A stopped one with our name that had other labels (older version): replace it.
      if (!/already in use|Conflict/i.test((e as Error).message)) throw e;
      await docker.getContainer(this.name).remove({ force: true }).catch(() => undefined);
      c = await create();
    }
    await c.start();
    return c.id;
  }

  async exec(cmd: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    if (!this.containerId) throw new Error('network helper not running');
    const s = await this.o.runtime.exec(this.containerId, { cmd, stdin: stdin !== undefined });
    let stdout = '';
    let stderr = '';
    s.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    s.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    if (stdin !== undefined) s.stdin?.end(stdin);
    const code = await s.wait();
    return { code, stdout, stderr };
  }

  /** The restore input: desired chains declared (= flushed), rules, stale chains deleted. */
  restoreText(rules: RuleSet): string {
    const out: string[] = [];
    for (const table of ['nat', 'filter'] as const) {
      const want = new Set(rules[table].chains);
      const stale = [...this.present[table]].filter((c) => !want.has(c));
      out.push(`*${table}`);
      for (const c of [...want, ...stale]) out.push(`:${c} - [0:0]`);
      out.push(...rules[table].rules);
      for (const c of stale) out.push(`-X ${c}`);
      out.push('COMMIT');
    }
    return out.join('\n') + '\n';
  }

  private jumpScript(): string {
    const lines = ['ensure() { t=$1; c=$2; shift 2; iptables -w 5 -t "$t" -C "$c" "$@" 2>/dev/null || iptables -w 5 -t "$t" -I "$c" 1 "$@"; }'];
    for (const [t, c, ...args] of this.jumps()) lines.push(`ensure ${t} ${c} ${args.map(shq).join(' ')}`);
    return lines.join('\n');
  }

  async apply(rules: RuleSet): Promise<void> {
    if (!this.ready) throw new Error(this.unavailable ?? 'dataplane not started');
    const br = this.o.bridge();
    const hairpin = br && /^[a-zA-Z0-9_.-]+$/.test(br) ? `for f in /sys/class/net/${br}/brif/*/hairpin_mode; do [ -e "$f" ] || continue; [ "$(cat "$f")" = 1 ] || ip link set dev "$(basename "$(dirname "$f")")" type bridge_slave hairpin on || true; done` : '';
    // 127.0.0.1 → pod DNAT (P-LOCALPORTS) is routed out of the bridge only with route_localnet
    // set on it; P-INPUT drops what that would otherwise let in (packets to 127/8 arriving from
    // a pod that are not replies — CVE-2020-8558, as kube-proxy does).
    const localnet = br && /^[a-zA-Z0-9_.-]+$/.test(br) ? `f=${HOST_NET_SYSCTL}/ipv4/conf/${br}/route_localnet; if [ -e "$f" ] && [ "$(cat "$f")" != 1 ]; then echo 1 > "$f" || true; fi` : '';
    const script = ['set -e', 'iptables-restore -w 5 --noflush', this.jumpScript(), hairpin, localnet].join('\n');
    let r: { code: number; stdout: string; stderr: string };
    try {
      r = await this.exec(['sh', '-c', script], this.restoreText(rules));
    } catch (e) {
      // The helper went away (removed by hand, Docker restarted): bring it back once.
      this.containerId = await this.ensureHelper();
      r = await this.exec(['sh', '-c', script], this.restoreText(rules));
    }
    if (r.code !== 0) throw new Error(`iptables-restore failed (${r.code}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    this.present = { nat: new Set(rules.nat.chains), filter: new Set(rules.filter.chains) };
  }

  async stop(): Promise<void> {
    if (!this.containerId) return;
    if (this.ready) {
      const del = this.jumps()
        .map(([t, c, ...args]) => `while iptables -w 5 -t ${t} -D ${c} ${args.map(shq).join(' ')} 2>/dev/null; do :; done`)
        .join('\n');
      const empty: RuleSet = { nat: { chains: [], rules: [] }, filter: { chains: [], rules: [] } };
      await this.exec(['sh', '-c', `${del}\niptables-restore -w 5 --noflush`], this.restoreText(empty)).catch(() => undefined);
      this.present = { nat: new Set(), filter: new Set() };
    }
    this.ready = false;
    await this.o.docker
      .getContainer(this.containerId)
      .remove({ force: true })
      .catch(() => undefined);
    this.containerId = undefined;
  }
}

function shq(s: string): string {
  return /^[a-zA-Z0-9_./:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** For tests and non-Linux hosts: records what would be applied. */
export class RecordingDataplane implements Dataplane {
  unavailable: string | undefined;
  ready = true;
  localnet = true;
  warnings: string[] = [];
  applied: RuleSet[] = [];
  async start(): Promise<void> {}
  async apply(rules: RuleSet): Promise<void> {
    this.applied.push(rules);
  }
  async stop(): Promise<void> {
    this.ready = false;
  }
}
