/**
 * /healthz, /livez and /readyz as k8s.io/apiserver's healthz package serves them: "ok" when
 * every check passes; with `?verbose` one `[+]name ok` line per check and
 * "<endpoint> check passed"; `?exclude=name` skips a check (`[+]name excluded: ok`); a failing
 * check answers 500 with `[-]name failed: reason withheld` lines and "<endpoint> check failed";
 * `/<endpoint>/<check>` runs one check. Everything is text/plain.
 */

export interface HealthCheck {
  name: string;
  /** Undefined = healthy; a string = the (withheld) reason it is not. */
  check(): string | undefined;
}

export interface HealthAnswer {
  status: number;
  body: string;
}

const POST_START_HOOKS = [
  'poststarthook/start-apiserver-admission-initializer',
  'poststarthook/generic-apiserver-start-informers',
  'poststarthook/start-apiextensions-informers',
  'poststarthook/start-apiextensions-controllers',
  'poststarthook/crd-informer-synced',
  'poststarthook/start-service-ip-repair-controllers',
  'poststarthook/rbac/bootstrap-roles',
  'poststarthook/scheduling/bootstrap-system-priority-classes',
  'poststarthook/bootstrap-controller',
  'poststarthook/start-kube-aggregator-informers',
  'poststarthook/apiservice-discovery-controller',
];

/** The checks of one endpoint, in upstream's order. `ready` gates readiness only. */
export function healthChecks(endpoint: 'healthz' | 'livez' | 'readyz', ready: () => boolean): HealthCheck[] {
  const ok = (name: string): HealthCheck => ({ name, check: () => undefined });
  const checks: HealthCheck[] = [ok('ping'), ok('log'), ok('etcd')];
  if (endpoint === 'readyz') checks.push(ok('etcd-readiness'), { name: 'informer-sync', check: () => (ready() ? undefined : 'engine components are starting') });
  checks.push(...POST_START_HOOKS.map(ok));
  if (endpoint === 'readyz') checks.push({ name: 'shutdown', check: () => (ready() ? undefined : 'process is shutting down') });
  return checks;
}

/** Answers GET /<endpoint>[/<check>][?verbose][&exclude=…]; undefined = no such check (404). */
export function serveHealth(path: string, query: URLSearchParams, ready: () => boolean): HealthAnswer | undefined {
  const m = /^\/(healthz|livez|readyz)(?:\/(.+?))?\/?$/.exec(path);
  if (!m) return undefined;
  const endpoint = m[1] as 'healthz' | 'livez' | 'readyz';
  const checks = healthChecks(endpoint, ready);
  if (m[2]) {
    const one = checks.find((c) => c.name === m[2]);
    if (!one) return undefined;
    const why = one.check();
    return why === undefined ? { status: 200, body: 'ok' } : { status: 500, body: `internal server error: ${m[2]} check failed\n` };
  }
  const exclude = new Set(query.getAll('exclude').flatMap((e) => e.split(',')));
  const lines: string[] = [];
  let failed = false;
  for (const c of checks) {
    if (exclude.has(c.name)) {
      lines.push(`[+]${c.name} excluded: ok`);
      exclude.delete(c.name);
      continue;
    }
    const why = c.check();
    if (why === undefined) lines.push(`[+]${c.name} ok`);
    else {
      failed = true;
      lines.push(`[-]${c.name} failed: reason withheld`);
    }
  }
  for (const e of exclude) lines.push(`warn: some health checks cannot be excluded: no matches for "${e}"`);
  const verbose = query.has('verbose');
  if (failed) return { status: 500, body: `${lines.join('\n')}\n${endpoint} check failed\n` };
  if (!verbose) return { status: 200, body: 'ok' };
  return { status: 200, body: `${lines.join('\n')}\n${endpoint} check passed\n` };
}
