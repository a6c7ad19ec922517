/**
 * The kubectl shim: `kubectl` that talks to the Skiff cluster unless the user says otherwise
 * (`--kubeconfig`/`--context`). Resolution of the real kubectl, argument rewriting and
 * installation are plain functions (unit-tested); assets/bin/kubectl(.cmd) do the same in
 * sh/cmd for use on PATH, and `skiff kubectl …` runs `runKubectl` below.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Marker line in the shim scripts; a file without it is never overwritten. */
export const SHIM_MARKER = 'skiff-kubectl-shim';

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Directory of a kubectl bundled with the app (resources/bin), if any. */
  bundledDir?: string;
  /** Directories to skip (where the shim itself is installed). */
  skipDirs?: string[];
  isFile?: (p: string) => boolean;
  /** Reads the start of a file (to recognise our own shim). */
  readHead?: (p: string) => string;
}

function defaultIsFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function defaultReadHead(p: string): string {
  try {
    return readFileSync(p).subarray(0, 512).toString('latin1');
  } catch {
    return '';
  }
}

/** Finds the real kubectl: $SKIFF_KUBECTL, a bundled one, then PATH (never our own shim). */
export function resolveKubectl(o: ResolveOptions = {}): string | undefined {
  const env = o.env ?? process.env;
  const win = (o.platform ?? process.platform) === 'win32';
  const isFile = o.isFile ?? defaultIsFile;
  const readHead = o.readHead ?? defaultReadHead;
  const names = win ? ['kubectl.exe'] : ['kubectl'];
  if (env.SKIFF_KUBECTL && isFile(env.SKIFF_KUBECTL)) return env.SKIFF_KUBECTL;
  if (o.bundledDir) {
    for (const n of win ? ['kubectl-real.exe', 'kubectl.exe'] : ['kubectl-real']) {
      const p = join(o.bundledDir, n);
      if (isFile(p)) return p;
    }
  }
  const skip = new Set((o.skipDirs ?? []).map((d) => resolve(d)));
  const pathVar = env.PATH ?? env.Path ?? '';
  for (const dir of pathVar.split(win ? ';' : delimiter)) {
    if (!dir || skip.has(resolve(dir))) continue;
    for (const n of names) {
      const p = join(dir, n);
      if (isFile(p) && !readHead(p).includes(SHIM_MARKER)) return p;
    }
  }
  return undefined;
}

/** Adds `--kubeconfig <skiff>` unless the user chose a kubeconfig or context themselves. */
export function shimArgs(args: string[], skiffKubeconfig: string): string[] {
  const own = args.some((a) => a === '--kubeconfig' || a.startsWith('--kubeconfig=') || a === '--context' || a.startsWith('--context='));
  return own ? args : ['--kubeconfig', skiffKubeconfig, ...args];
}

export const NO_KUBECTL =
  'skiff: no kubectl found. Install kubectl (https://kubernetes.io/docs/tasks/tools/) or set SKIFF_KUBECTL to its path; Skiff\'s cluster works with any kubectl ≥ 1.30.';

export function skiffKubeconfigPath(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return env.SKIFF_KUBECONFIG ?? join(env.SKIFF_DATA_DIR ?? join(home, '.skiff'), 'kubeconfig');
}

/** `skiff kubectl …`: runs the real kubectl against the Skiff cluster. Returns its exit code. */
export async function runKubectl(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const kubectl = resolveKubectl({ env, bundledDir: fileURLToPath(new URL('../../assets/bin', import.meta.url)) });
  if (!kubectl) {
    console.error(NO_KUBECTL);
    return 127;
  }
  const child = spawn(kubectl, shimArgs(args, skiffKubeconfigPath(env)), { stdio: 'inherit' });
  return new Promise((res) => {
    child.on('exit', (code, sig) => res(code ?? (sig ? 128 : 1)));
    child.on('error', () => res(127));
  });
}

export interface InstallResult {
  path: string;
  /** Whether binDir is on PATH (else the UI says how to add it). */
  onPath: boolean;
}

/**
 * Copies the shim into `binDir` (default ~/.local/bin). Refuses to replace a `kubectl` that is
 * not a Skiff shim — the user's own kubectl is never clobbered.
 */
export function installShim(o: { shimDir: string; binDir: string; platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv }): InstallResult {
  const win = (o.platform ?? process.platform) === 'win32';
  const file = win ? 'kubectl.cmd' : 'kubectl';
  const src = join(o.shimDir, file);
  if (!existsSync(src)) throw new Error(`shim missing from the app: ${src}`);
  const dest = join(o.binDir, file);
  if (existsSync(dest)) {
    const same = (() => {
      try {
        return realpathSync(dest) === realpathSync(src);
      } catch {
        return false;
      }
    })();
    if (!same && !readFileSync(dest, 'latin1').includes(SHIM_MARKER)) {
      throw new Error(`${dest} exists and is not Skiff's shim; left untouched (remove it or pick another directory)`);
    }
  }
  mkdirSync(o.binDir, { recursive: true });
  copyFileSync(src, dest);
  if (!win) chmodSync(dest, 0o755);
  const env = o.env ?? process.env;
  const onPath = (env.PATH ?? env.Path ?? '').split(win ? ';' : delimiter).some((d) => d && resolve(d) === resolve(o.binDir));
  return { path: dest, onPath };
}
