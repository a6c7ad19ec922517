#!/usr/bin/env node
// Entry point of the `skiff` command: runs the compiled CLI (built by `npm install` via `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/engine/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('skiff is not built yet: run `npm install` (or `npm run build`) in the project first.');
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
