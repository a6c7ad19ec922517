/**
 * The `skiff` command. Small on purpose: parse flags, build an Engine, run it.
 *   skiff serve [--data-dir DIR] [--port N] [--no-dashboard]   run the cluster (and dashboard) in the foreground
 *   skiff version
 * Switches (--no-dashboard, --standby, --help) never take the next argument as their value, so
 * `serve --no-dashboard /tmp/x` cannot silently swallow an argument and still start a dashboard.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Engine } from './engine.js';
import { SERVER_VERSION } from './apiserver/server.js';
import { startDashboardWorker, type DashboardHandle } from './dashboard/worker.js';

const SERVE_FLAGS = `              --data-dir DIR   where state, credentials and kubeconfig live (default ~/.skiff)
              --port N         API server port on 127.0.0.1 (default 6443; 0 = any free port)
              --dashboard-port N  dashboard port on 127.0.0.1 (default 0 = any free port)
              --no-dashboard   run the cluster only (no dashboard worker, no Dashboard: URL)
              --standby        also run standby scheduler/controller-manager replicas (leader election)
              --cluster-name N Docker labels and network name (default "skiff"; env SKIFF_CLUSTER_NAME);
                               two engines on one Docker need two names
`;

export const SERVE_USAGE = `Usage: skiff serve [flags]

Run the local cluster in the foreground (Ctrl-C stops it).

Flags:
${SERVE_FLAGS}`;

export const USAGE = `Usage: skiff <command> [flags]

Commands:
  serve     Run the local cluster in the foreground (Ctrl-C stops it)
${SERVE_FLAGS}  node      Manage nodes of a running cluster: skiff node add --virtual NAME | list | rm NAME
  app       The desktop app (web mode when Electron is not installed)
  kubectl   Run kubectl against the Skiff cluster (unless --kubeconfig/--context is given)
  version   Print the version
`;

interface Flags {
  [k: string]: string | boolean;
}

/** Flags that are switches: `--x` is true, `--x=false` false, and they never consume the next argument. */
const SWITCHES = new Set(['no-dashboard', 'standby', 'help']);

export function parseFlags(args: string[]): { positional: string[]; flags: Flags } {
  const positional: string[] = [];
  const flags: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i] === '-h' ? '--help' : args[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (SWITCHES.has(name)) flags[name] = eq > 0 ? a.slice(eq + 1) !== 'false' : true;
      else if (eq > 0) flags[name] = a.slice(eq + 1);
      else if (i + 1 < args.length && !args[i + 1].startsWith('--')) flags[name] = args[++i];
      else flags[name] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}

export async function main(argv: string[]): Promise<number> {
  const { positional, flags } = parseFlags(argv);
  const cmd = positional[0];
  switch (cmd) {
    case 'serve':
      if (flags.help === true) {
        console.log(SERVE_USAGE);
        return 0;
      }
      return serve(flags);
    case 'app':
      // The desktop app (Electron) when installed, else web mode: `serve` + the dashboard URL.
      return (await import('../main/launcher.js')).launchApp(process.argv.slice(2), () => serve(flags));
    case 'kubectl':
      // kubectl against the Skiff cluster unless --kubeconfig/--context is given (the shim's rules).
      return (await import('../main/shim.js')).runKubectl(argv.slice(argv.indexOf('kubectl') + 1));
    case 'node':
      return (await import('./nodes/cli.js')).nodeMain(argv.slice(argv.indexOf('node') + 1));
    case 'version':
      console.log(`skiff ${SERVER_VERSION.gitVersion}`);
      return 0;
    case undefined:
    case 'help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`skiff: unknown command "${cmd}"\n\n${USAGE}`);
      return 2;
  }
}

async function serve(flags: Flags): Promise<number> {
  const dataDir = resolve(typeof flags['data-dir'] === 'string' ? flags['data-dir'] : join(homedir(), '.skiff'));
  const portFlag = flags.port;
  const port = typeof portFlag === 'string' ? Number(portFlag) : 6443;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`skiff: invalid --port ${String(portFlag)}`);
    return 2;
  }
  // A bug in one component (a failed Docker call in a background loop, say) must not take the
  // whole cluster down with it: log it loudly and keep serving.
  process.on('unhandledRejection', (e) => console.error(`skiff: unhandled rejection: ${(e as Error)?.stack ?? String(e)}`));
  process.on('uncaughtException', (e) => console.error(`skiff: uncaught exception: ${e.stack ?? e.message}`));
  const t0 = performance.now();
  // Cluster name (Docker labels and network): --cluster-name or SKIFF_CLUSTER_NAME, default "skiff".
  const clusterFlag = typeof flags['cluster-name'] === 'string' ? flags['cluster-name'] : process.env.SKIFF_CLUSTER_NAME;
  const engine = new Engine({ dataDir, port, standby: flags.standby === true, ...(clusterFlag ? { clusterName: clusterFlag } : {}) });
  let dashboard: DashboardHandle | void = undefined;
  // Signals are handled from the first moment, so a stop during start-up is still clean.
  let resolveExit!: (code: number) => void;
  const exit = new Promise<number>((r) => (resolveExit = r));
  let stopping: Promise<void> | undefined;
  const stop = (sig: string) => {
    if (stopping) return;
    console.log(`\n${sig} received, stopping…`);
    stopping = Promise.resolve(dashboard?.close())
      .then(() => engine.stop())
      .then(
        () => resolveExit(0),
        (e: unknown) => {
          console.error(`skiff: error while stopping: ${(e as Error).message}`);
          resolveExit(1);
        },
      );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  try {
    await engine.start();
  } catch (e) {
    // Stopped by a signal during start-up: not a failure.
    if (stopping) return exit;
    const err = e as NodeJS.ErrnoException;
    if ((e as { code?: string }).code === 'locked') console.error(`skiff: ${err.message} (is another \`skiff serve --data-dir ${dataDir}\` running?)`);
    else if (err.code === 'EADDRINUSE') console.error(`skiff: port ${port} is already in use (another skiff serve?). Pick one with --port.`);
    else console.error(`skiff: failed to start: ${err.stack ?? err.message}`);
    await engine.stop().catch(() => {});
    return 1;
  }
  if (stopping) return exit;
  console.log(`Skiff API server: ${engine.server} (ready in ${Math.round(performance.now() - t0)} ms)`);
  console.log(`Kubeconfig: ${engine.kubeconfigPath}`);
  console.log(`Try: export KUBECONFIG=${engine.kubeconfigPath}; kubectl get nodes`);
  if (flags['no-dashboard'] === true) return exit;
  // The dashboard (a worker thread loading client-node, ~1 s of CPU) starts once the engine's
  // own components are up, so it does not compete with the first kubectl requests.
  await engine.componentsStarted;
  if (stopping) return exit;
  const started = await startDashboardWorker({ bundledKubeconfig: engine.kubeconfigPath, port: typeof flags['dashboard-port'] === 'string' ? Number(flags['dashboard-port']) : 0 }).catch((e: Error) => {
    console.error(`skiff: dashboard not started: ${e.message}`);
  });
  if (started) {
    if (stopping) void started.close();
    else {
      dashboard = started;
      console.log(`Dashboard: ${started.url}`);
    }
  }
  return exit;
}
