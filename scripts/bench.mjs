// Runs every benchmark in dist/bench (or those named: node scripts/bench.mjs apiserver store).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const names = process.argv.slice(2);
const files = readdirSync('dist/bench').filter((f) => f.endsWith('.js') && f !== 'lib.js' && (names.length === 0 || names.some((n) => f.startsWith(n))));
let failed = false;
for (const f of files) {
  console.log(`\n# ${f}`);
  const r = spawnSync(process.execPath, [`dist/bench/${f}`], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
