import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KubeconfigConflictError, mergeSkiffContext, watchKubeconfigs } from './kubeconfig.js';

const SKIFF = `apiVersion: v1
kind: Config
clusters:
- name: skiff
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: Q0E=
users:
- name: skiff-admin
  user:
    token: secret-token
contexts:
- name: skiff
  context:
    cluster: skiff
    user: skiff-admin
    namespace: default
current-context: skiff
`;

const USER = `# my clusters — keep this comment
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443
users:
- name: prod-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: aws
      args: [eks, get-token]
contexts:
- name: prod
  context:
    cluster: prod
    user: prod-user
current-context: prod
`;

const dir = () => mkdtempSync(join(tmpdir(), 'skiff-kc-'));

test('merge into an existing kubeconfig: backup first, others untouched, current-context kept', () => {
  const d = dir();
  const target = join(d, 'config');
  writeFileSync(target, USER);
  const r = mergeSkiffContext({ target, skiffKubeconfig: SKIFF, now: new Date('2026-01-02T03:04:05Z') });
  assert.equal(r.changed, true);
  assert.ok(r.backup);
  assert.equal(readFileSync(r.backup, 'utf8'), USER, 'backup is the original, byte for byte');
  const text = readFileSync(target, 'utf8');
  assert.match(text, /# my clusters — keep this comment/);
  const kc = parse(text);
  assert.equal(kc['current-context'], 'prod');
  assert.deepEqual(kc.clusters.map((c: { name: string }) => c.name), ['prod', 'skiff']);
  assert.deepEqual(kc.users.map((c: { name: string }) => c.name), ['prod-user', 'skiff-admin']);
  assert.deepEqual(kc.contexts.map((c: { name: string }) => c.name), ['prod', 'skiff']);
  assert.deepEqual(kc.users[0], parse(USER).users[0], 'exec user unchanged');
  assert.equal(kc.users[1].user.token, 'secret-token');
  assert.equal(statSync(target).mode & 0o777, 0o600);
});

test('merging again is a no-op; a changed Skiff port replaces only our entries', () => {
  const d = dir();
  const target = join(d, 'config');
  writeFileSync(target, USER);
  mergeSkiffContext({ target, skiffKubeconfig: SKIFF });
  const again = mergeSkiffContext({ target, skiffKubeconfig: SKIFF });
  assert.equal(again.changed, false);
  const moved = mergeSkiffContext({ target, skiffKubeconfig: SKIFF.replace('6443', '7443') });
  assert.equal(moved.changed, true);
  const kc = parse(readFileSync(target, 'utf8'));
  assert.equal(kc.clusters.length, 2);
  assert.equal(kc.clusters[1].cluster.server, 'https://127.0.0.1:7443');
  assert.equal(kc.clusters[0].cluster.server, 'https://prod.example:6443');
});

test('a new kubeconfig gets the skiff context as current', () => {
  const d = dir();
  const target = join(d, 'sub', 'config');
  const r = mergeSkiffContext({ target, skiffKubeconfig: SKIFF });
  assert.equal(r.backup, undefined);
  assert.equal(parse(readFileSync(target, 'utf8'))['current-context'], 'skiff');
});

test('setCurrentContext switches to skiff on request', () => {
  const d = dir();
  const target = join(d, 'config');
  writeFileSync(target, USER);
  mergeSkiffContext({ target, skiffKubeconfig: SKIFF, setCurrentContext: true });
  assert.equal(parse(readFileSync(target, 'utf8'))['current-context'], 'skiff');
});

test('never clobbers a same-named entry Skiff did not create', () => {
  const d = dir();
  const target = join(d, 'config');
  const theirs = USER.replace(/name: prod\n  cluster:/, 'name: skiff\n  cluster:');
  writeFileSync(target, theirs);
  assert.throws(() => mergeSkiffContext({ target, skiffKubeconfig: SKIFF }), KubeconfigConflictError);
  assert.equal(readFileSync(target, 'utf8'), theirs);
  assert.equal(readdirSync(d).length, 1, 'no backup or temp files left');
});

test('an unparsable kubeconfig is left alone', () => {
  const d = dir();
  const target = join(d, 'config');
  writeFileSync(target, 'clusters: [\n');
  assert.throws(() => mergeSkiffContext({ target, skiffKubeconfig: SKIFF }), /left untouched/);
  assert.equal(readFileSync(target, 'utf8'), 'clusters: [\n');
});

test('watchKubeconfigs reports changes to watched files (debounced)', async () => {
  const d = dir();
  const target = join(d, 'config');
  writeFileSync(target, USER);
  let n = 0;
  const stop = watchKubeconfigs([target], () => n++, 50);
  writeFileSync(target, USER + '\n');
  writeFileSync(join(d, 'unrelated'), 'x');
  await new Promise((r) => setTimeout(r, 400));
  stop();
  assert.equal(n, 1);
});
