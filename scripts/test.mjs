// Runs the test suite with node's test runner over the compiled tree (dist/).
//   node scripts/test.mjs            all tests (unit beside the code + end-to-end in test/e2e)
//   node scripts/test.mjs --unit     only unit tests
//   node scripts/test.mjs --e2e      only end-to-end tests
//   node scripts/test.mjs FILTER…    only test files whose path contains FILTER
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const e2eOnly = args.includes('--e2e');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let files = walk('dist').map((f) => relative('.', f)).sort();
const isE2E = (f) => f.startsWith(join('dist', 'test'));
if (unitOnly) files = files.filter((f) => !isE2E(f));
if (e2eOnly) files = files.filter(isE2E);
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Unit files run in parallel; end-to-end files share Docker and ports, so one at a time.
const unit = files.filter((f) => !isE2E(f));
const e2e = files.filter(isE2E);
const runTests = (group, concurrency) =>
  spawnSync(process.execPath, ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...group], { stdio: 'inherit' }).status === 0;
let failed = false;
if (unit.length && !runTests(unit, 2)) failed = true;
// End-to-end files drive real Docker on a shared machine: a file that fails is run once more,
// and only a second failure counts (both runs are in the log). A real bug fails twice.
const flaky = [];
for (const f of e2e) {
  if (runTests([f], 1)) continue;
  console.log(`\n[test] ${f} failed; running it once more to tell a real failure from load`);
  if (runTests([f], 1)) flaky.push(f);
  else failed = true;
}
if (flaky.length) console.log(`\n[test] passed only on the second run (look into these): ${flaky.join(', ')}`);
process.exit(failed ? 1 : 0);
