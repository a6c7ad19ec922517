/**
 * The kubeconfig contexts the dashboard can reach: the bundled cluster (the engine's own
 * kubeconfig) first, then every context of the user's kubeconfig files ($KUBECONFIG, split on
 * the platform's path delimiter, else ~/.kube/config) — the first file that names a context wins,
 * as with kubectl. Files are watched so contexts added by other tools appear without a restart.
 *
 * Each context gets its own single-context KubeConfig, so credentials (tokens, client
 * certificates, exec plugins, auth providers) are applied by @kubernetes/client-node exactly as
 * for any client of that cluster, and concurrent requests never race on "current context".
 */
import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';

export interface ContextInfo {
  name: string;
  cluster: string;
  server: string;
  user: string;
  namespace?: string;
  /** The bundled Skiff cluster (managed by this process). */
  bundled: boolean;
  /** The kubeconfig file it came from. */
  source: string;
  /** The file's current-context. */
  current: boolean;
}

interface Entry {
  info: ContextInfo;
  kc: KubeConfig;
  agent?: HttpsAgent | HttpAgent;
}

/** What a request to a context's API server needs: where, and with which options. */
export interface Upstream {
  url: URL;
  options: RequestOptions;
  https: boolean;
}

export interface ContextsOptions {
  /** The engine's own kubeconfig (the bundled cluster); its context is listed first. */
  bundledKubeconfig?: string;
  /** User kubeconfig files; default from $KUBECONFIG or ~/.kube/config. */
  kubeconfigPaths?: string[];
  /** Watch the files for changes (default true). */
  watchFiles?: boolean;
}

export function defaultKubeconfigPaths(env: NodeJS.ProcessEnv = process.env, home = homedir()): string[] {
  const v = env.KUBECONFIG;
  if (v && v.length > 0) return v.split(delimiter).filter(Boolean);
  return [join(home, '.kube', 'config')];
}

export class Contexts {
  private entries = new Map<string, Entry>();
  private watchers: FSWatcher[] = [];
  private reloadTimer: NodeJS.Timeout | undefined;
  private listeners = new Set<() => void>();
  readonly paths: string[];
  /** Problems found while loading (a broken file does not hide the others). */
  errors: string[] = [];

  constructor(private readonly opts: ContextsOptions = {}) {
    this.paths = opts.kubeconfigPaths ?? defaultKubeconfigPaths();
    this.load();
    if (opts.watchFiles !== false) this.watchAll();
  }

  list(): ContextInfo[] {
    return [...this.entries.values()].map((e) => e.info);
  }

  get(name: string): ContextInfo | undefined {
    return this.entries.get(name)?.info;
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Resolves `path` (e.g. `/api/v1/pods?watch=1`) against a context's server and applies its
   * credentials. Async because exec plugins and auth providers may run.
   */
  async upstream(name: string, pathAndQuery: string): Promise<Upstream | undefined> {
    const e = this.entries.get(name);
    if (!e) return undefined;
    const base = new URL(e.info.server);
    const prefix = base.pathname.replace(/\/+$/, '');
    const url = new URL(prefix + pathAndQuery, base);
    const options: RequestOptions = { headers: {} };
    await e.kc.applyToHTTPSOptions(options);
    const cluster = e.kc.getCurrentCluster();
    if (!e.kc.getCurrentUser() && cluster) {
      // client-node applies the cluster's TLS settings only when the context has a user.
      if (cluster.caData) options.ca = Buffer.from(cluster.caData, 'base64');
      else if (cluster.caFile) options.ca = readFileSync(cluster.caFile);
      if (cluster.skipTLSVerify) options.rejectUnauthorized = false;
      if (cluster.tlsServerName) options.servername = cluster.tlsServerName;
    }
    const isHttps = url.protocol === 'https:';
    // client-node makes a new agent per call; reuse one per context for keep-alive unless the
    // cluster goes through a proxy (then its agent is needed).
    if (!cluster?.proxyUrl) {
      if (!e.agent) {
        e.agent = isHttps
          ? new HttpsAgent({
              keepAlive: true,
              ca: options.ca,
              cert: options.cert,
              key: options.key,
              pfx: options.pfx,
              passphrase: options.passphrase,
              rejectUnauthorized: options.rejectUnauthorized,
              servername: options.servername,
            })
          : new HttpAgent({ keepAlive: true });
      }
      options.agent = e.agent;
    }
    return { url, options, https: isHttps };
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    for (const e of this.entries.values()) e.agent?.destroy();
  }

  private load(): void {
    const next = new Map<string, Entry>();
    const errors: string[] = [];
    const files = [...(this.opts.bundledKubeconfig ? [this.opts.bundledKubeconfig] : []), ...this.paths];
    files.forEach((file, i) => {
      const bundled = !!this.opts.bundledKubeconfig && i === 0;
      if (!existsSync(file)) return;
      let kc: KubeConfig;
      try {
        kc = new KubeConfig();
        kc.loadFromString(readFileSync(file, 'utf8'));
        kc.makePathsAbsolute(dirname(file));
      } catch (e) {
        errors.push(`${file}: ${(e as Error).message}`);
        return;
      }
      for (const ctx of kc.getContexts()) {
        if (next.has(ctx.name)) continue; // first file wins, as with kubectl
        const cluster = kc.getCluster(ctx.cluster);
        const user = kc.getUser(ctx.user);
        if (!cluster) {
          errors.push(`${file}: context ${ctx.name} names a missing cluster ${ctx.cluster}`);
          continue;
        }
        const single = singleContext(ctx, cluster, user);
        // Keep agents across reloads when nothing about the context changed.
        const old = this.entries.get(ctx.name);
        const info: ContextInfo = {
          name: ctx.name,
          cluster: ctx.cluster,
          server: cluster.server,
          user: ctx.user,
          namespace: ctx.namespace,
          bundled,
          source: file,
          current: kc.getCurrentContext() === ctx.name,
        };
        const same = old && old.info.server === info.server && JSON.stringify(old.kc.getCurrentUser()) === JSON.stringify(user);
        next.set(ctx.name, { info, kc: single, agent: same ? old.agent : undefined });
        if (old && !same) old.agent?.destroy();
      }
    });
    this.entries = next;
    this.errors = errors;
  }

  private watchAll(): void {
    // Watch directories (editors and `kubectl config` replace files by rename).
    const dirs = new Set<string>();
    const files = [...(this.opts.bundledKubeconfig ? [this.opts.bundledKubeconfig] : []), ...this.paths];
    for (const f of files) dirs.add(dirname(f));
    const names = new Set(files.map((f) => f.slice(dirname(f).length + 1)));
    for (const d of dirs) {
      if (!existsSync(d)) continue;
      try {
        const w = watch(d, { persistent: false }, (_ev, file) => {
          if (file && !names.has(String(file))) return;
          this.scheduleReload();
        });
        w.on('error', () => {});
        this.watchers.push(w);
      } catch {
        // Unwatchable directory (e.g. permissions): contexts still load, just not live.
      }
    }
  }

  private scheduleReload(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      const before = JSON.stringify(this.list());
      this.load();
      if (JSON.stringify(this.list()) !== before) for (const fn of this.listeners) fn();
    }, 200);
    this.reloadTimer.unref();
  }
}

function singleContext(ctx: Context, cluster: Cluster, user: User | null): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: user ? [user] : [],
    contexts: [{ ...ctx }],
    currentContext: ctx.name,
  });
  return kc;
}
