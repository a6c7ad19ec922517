/** App settings: a small JSON file in the app's data dir, validated on load and on change. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Settings } from './ipc/contract.cjs';

export function defaultSettings(home = homedir()): Settings {
  return { startOnLaunch: true, onQuit: 'ask', shimDir: join(home, '.local', 'bin') };
}

export class SettingsStore {
  private value: Settings;

  constructor(
    private readonly file: string,
    defaults: Settings = defaultSettings(),
  ) {
    let loaded: Partial<Settings> = {};
    if (existsSync(file)) {
      try {
        loaded = JSON.parse(readFileSync(file, 'utf8')) as Partial<Settings>;
      } catch {
        loaded = {};
      }
    }
    this.value = sanitize({ ...defaults, ...loaded }, defaults);
  }

  get(): Settings {
    return { ...this.value };
  }

  set(patch: Partial<Settings>): Settings {
    this.value = sanitize({ ...this.value, ...patch }, this.value);
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.value, null, 2));
    renameSync(tmp, this.file);
    return this.get();
  }
}

function sanitize(s: Settings, fallback: Settings): Settings {
  return {
    startOnLaunch: typeof s.startOnLaunch === 'boolean' ? s.startOnLaunch : fallback.startOnLaunch,
    onQuit: s.onQuit === 'ask' || s.onQuit === 'stop' || s.onQuit === 'keep' ? s.onQuit : fallback.onQuit,
    shimDir: typeof s.shimDir === 'string' && s.shimDir ? s.shimDir : fallback.shimDir,
  };
}
