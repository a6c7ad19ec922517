/**
 * `skiff app` (= `npm start`): launches the desktop app when the Electron binary is installed,
 * otherwise says so in one line and runs web mode (`skiff serve` + the dashboard URL).
 * Plain Node: it runs before Electron exists and must never import it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Path of the Electron binary, or undefined when the optional dependency is absent. */
export function findElectron(resolve: (id: string) => unknown = createRequire(import.meta.url)): string | undefined {
  try {
    // The `electron` npm package exports the path of its downloaded binary.
    const p = resolve('electron');
    return typeof p === 'string' && existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

export const MAIN_ENTRY = fileURLToPath(new URL('./index.js', import.meta.url));

export async function launchApp(argv: string[], webMode: () => Promise<number>, electron = findElectron()): Promise<number> {
  if (!electron) {
    console.log('Electron is not installed (optional dependency missing) — running in web mode: open the Dashboard URL below.');
    return webMode();
  }
  const args = [MAIN_ENTRY, ...argv.filter((a) => a !== 'app')];
  const child = spawn(electron, args, { stdio: 'inherit', env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined } });
  return new Promise<number>((resolve) => {
    child.on('exit', (code) => resolve(code ?? 0));
    child.on('error', (e) => {
      console.log(`Electron failed to start (${e.message}) — running in web mode instead.`);
      void webMode().then(resolve);
    });
  });
}
