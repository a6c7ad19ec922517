/**
 * Compatibility sweep, part 1: what a kind/k3d user types in a normal week that needs no
 * running containers — cluster-level commands (version, api-versions, cluster-info, health,
 * metrics), auth (can-i, whoami, create token and using it, RBAC), and the everyday verbs
 * (get all, create/replace/delete variants, label/annotate/taint, edit, diff, prune, kustomize,
 * secrets and configmaps, set, scale, autoscale, expose, explain, events, paging, watches).
 * Each case drives the real kubectl v1.32 against `skiff serve`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBECTL, eventually, run, startCluster, tempDir, writeTemp, type Cluster } from './harness.js';

describe('kubectl compatibility: cluster, auth and everyday verbs', () => {
  let c: Cluster;
  const cacheDir = tempDir('kubectl-cache-');
  /** kubectl with extra environment (EDITOR) or another identity (--token), own cache dir. */
  const kube = (args: string[], env: Record<string, string> = {}, timeoutMs?: number) => run(KUBECTL, ['--kubeconfig', c.kubeconfig, '--cache-dir', cacheDir, ...args], { env, timeoutMs });
  const asToken = (token: string, args: string[]) =>
    run(KUBECTL, ['--kubeconfig', '/dev/null', '--cache-dir', tempDir('kubectl-cache-'), '--server', c.server, '--insecure-skip-tls-verify', '--token', token, ...args]);

  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c.stop();
  });

  it('version, api-versions and cluster-info as on a real cluster', async () => {
    assert.match(await c.k(['version']), /Server Version: v1\.32\./);
    const groups = (await c.k(['api-versions'])).trim().split('\n');
    for (const gv of ['v1', 'apps/v1', 'autoscaling/v1', 'autoscaling/v2', 'policy/v1', 'rbac.authorization.k8s.io/v1', 'apiextensions.k8s.io/v1', 'authorization.k8s.io/v1', 'authentication.k8s.io/v1', 'admissionregistration.k8s.io/v1', 'scheduling.k8s.io/v1']) {
      assert.ok(groups.includes(gv), `api-versions lists ${gv}`);
    }
    const info = await eventually(async () => {
      const out = await c.k(['cluster-info']);
      return /kube-dns:dns\/proxy/.test(out) && out;
    });
    assert.match(info, /Kubernetes control plane is running at https:\/\/127\.0\.0\.1:\d+/);
    const cs = await c.kubectl(['get', 'componentstatuses']);
    assert.match(cs.stdout, /^NAME\s+STATUS\s+MESSAGE\s+ERROR\nscheduler\s+Healthy\s+ok\s*\ncontroller-manager\s+Healthy\s+ok\s*\netcd-0\s+Healthy\s+ok/);
    assert.match(cs.stderr, /Warning: v1 ComponentStatus is deprecated in v1\.19\+/);
    assert.match(await c.k(['get', 'priorityclasses']), /system-cluster-critical\s+2000000000\s+false[\s\S]*system-node-critical\s+2000001000\s+false/);
    const dump = await c.kubectl(['cluster-info', 'dump', '--namespaces', 'default,kube-system']);
    assert.equal(dump.code, 0, dump.stderr);
    assert.match(dump.stdout, /"kind": "NodeList"/);
  });

  it('health endpoints answer like k8s.io/apiserver; unknown paths are NotFound; /metrics is Prometheus text', async () => {
    const ready = await c.k(['get', '--raw', '/readyz?verbose']);
    assert.match(ready, /^\[\+\]ping ok\n\[\+\]log ok\n\[\+\]etcd ok\n/);
    assert.match(ready, /\[\+\]poststarthook\/rbac\/bootstrap-roles ok\n/);
    assert.match(ready, /readyz check passed\n$/);
    assert.match(await c.k(['get', '--raw', '/livez?verbose']), /\nlivez check passed\n$/);
    assert.match(await c.k(['get', '--raw', '/livez?verbose&exclude=etcd']), /\[\+\]etcd excluded: ok/);
    assert.equal(await c.k(['get', '--raw', '/healthz']), 'ok');
    assert.equal(await c.k(['get', '--raw', '/readyz/ping']), 'ok');
    const nf = await c.kubectl(['get', '--raw', '/nothing/here']);
    assert.equal(nf.code, 1);
    assert.match(nf.stderr, /Error from server \(NotFound\): the server could not find the requested resource/);
    const metrics = await c.k(['get', '--raw', '/metrics']);
    assert.match(metrics, /^# TYPE apiserver_request_total counter$/m);
    assert.match(metrics, /^apiserver_request_total\{code="200",component="apiserver",dry_run="",group="",resource="nodes",scope="cluster",subresource="",verb="LIST",version="v1"\} \d+$/m);
    assert.match(metrics, /^apiserver_storage_objects\{resource="namespaces"\} 4$/m);
  });

  it('get all uses the "all" category; -A adds the namespace column', async () => {
    await c.k(['create', 'deployment', 'cat', '--image=skiff-test/busybox:1', '--replicas=0']);
    const all = await c.k(['get', 'all']);
    assert.match(all, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m);
    assert.match(all, /service\/kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP/);
    assert.match(all, /deployment\.apps\/cat\s+0\/0/);
    const allA = await eventually(async () => {
      const out = await c.k(['get', 'all', '-A']);
      return /kube-system\s+service\/kube-dns/.test(out) && out;
    });
    assert.match(allA, /^NAMESPACE\s+NAME\s+TYPE/m);
    assert.match(allA, /default\s+service\/kubernetes/);
  });

  it('auth can-i, auth whoami and can-i --list for the admin', async () => {
    assert.equal((await c.k(['auth', 'can-i', 'create', 'pods'])).trim(), 'yes');
    assert.equal((await c.k(['auth', 'can-i', '*', '*', '--all-namespaces'])).trim(), 'yes');
    const who = await c.k(['auth', 'whoami']);
    assert.match(who, /^ATTRIBUTE\s+VALUE\nUsername\s+skiff-admin\nGroups\s+\[system:masters system:authenticated\]\n$/);
    const whoJson = JSON.parse(await c.k(['auth', 'whoami', '-o', 'json']));
    assert.equal(whoJson.kind, 'SelfSubjectReview');
    assert.equal(whoJson.status.userInfo.username, 'skiff-admin');
    const list = await c.k(['auth', 'can-i', '--list']);
    assert.match(list, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/m);
    assert.match(list, /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
    // Impersonation (--as) is answered by RBAC: a fresh service account may do nothing but discovery.
    const sa = await c.kubectl(['auth', 'can-i', 'list', 'pods', '--as=system:serviceaccount:default:default']);
    assert.equal(sa.stdout.trim(), 'no');
    assert.equal(sa.code, 1);
  });

  it('create token issues a JWT the API server accepts for that service account; RBAC then applies', async () => {
    await eventually(async () => (await c.kubectl(['get', 'sa', 'default'])).code === 0);
    const token = (await c.k(['create', 'token', 'default', '--duration=15m'])).trim();
    const [head, payload, sig] = token.split('.');
    assert.ok(head && payload && sig, 'a three-part JWT');
    // The service-account key is EC P-256 (engine/apiserver/certs.ts): ES256, as kube-apiserver signs with an EC key.
    assert.equal(JSON.parse(Buffer.from(head, 'base64url').toString()).alg, 'ES256');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    assert.equal(claims.exp - claims.iat, 900);
    const tr = JSON.parse(await c.k(['create', 'token', 'default', '-o', 'json']));
    assert.equal(tr.kind, 'TokenRequest');
    assert.match(tr.status.expirationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const who = await asToken(token, ['auth', 'whoami']);
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /Username\s+system:serviceaccount:default:default/);
    const denied = await asToken(token, ['get', 'pods']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /Error from server \(Forbidden\): pods is forbidden: User "system:serviceaccount:default:default" cannot list resource "pods" in API group "" in the namespace "default"/);
    await c.k(['create', 'rolebinding', 'default-view', '--clusterrole=view', '--serviceaccount=default:default']);
    const allowed = await asToken(token, ['get', 'pods']);
    assert.equal(allowed.code, 0, allowed.stderr);
    const write = await asToken(token, ['create', 'configmap', 'nope']);
    assert.match(write.stderr, /configmaps is forbidden: User "system:serviceaccount:default:default" cannot create resource "configmaps"/);
    assert.equal((await asToken(token, ['auth', 'can-i', 'list', 'pods'])).stdout.trim(), 'yes');
    assert.equal((await asToken(token, ['auth', 'can-i', 'list', 'pods', '-n', 'kube-system'])).stdout.trim(), 'no');
    const bad = await asToken(token.slice(0, -6) + 'AAAAAA', ['get', 'pods']);
    assert.match(bad.stderr, /You must be logged in to the server/);
    // A token Secret for the service account is filled in and authenticates too.
    const secret = writeTemp('sa-secret.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: default-token\n  annotations:\n    kubernetes.io/service-account.name: default\ntype: kubernetes.io/service-account-token\n');
    await c.k(['apply', '-f', secret]);
    const legacy = Buffer.from(await c.k(['get', 'secret', 'default-token', '-o', 'jsonpath={.data.token}']), 'base64').toString();
    assert.equal((await asToken(legacy, ['get', 'pods'])).code, 0);
    assert.equal((await c.k(['get', 'clusterrole', 'cluster-admin', 'admin', 'edit', 'view', '-o', 'name'])).trim().split('\n').length, 4);
  });

  it('RBAC generators (protobuf bodies), auth reconcile, impersonated can-i; priority classes gate pods', async () => {
    assert.match(await c.k(['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods']), /role\.rbac\.authorization\.k8s\.io\/pod-reader created/);
    assert.match(await c.k(['create', 'clusterrole', 'node-reader', '--verb=get', '--resource=nodes']), /clusterrole\.rbac\.authorization\.k8s\.io\/node-reader created/);
    await c.k(['create', 'clusterrolebinding', 'alice-nodes', '--clusterrole=node-reader', '--user=alice']);
    await c.k(['create', 'rolebinding', 'alice-pods', '--role=pod-reader', '--user=alice']);
    assert.match(await c.k(['get', 'rolebindings']), /alice-pods\s+Role\/pod-reader\s+/);
    assert.equal((await c.k(['auth', 'can-i', 'get', 'nodes', '--as=alice'])).trim(), 'yes');
    assert.equal((await c.k(['auth', 'can-i', 'watch', 'pods', '--as=alice'])).trim(), 'yes');
    assert.equal((await c.kubectl(['auth', 'can-i', 'delete', 'pods', '--as=alice'])).stdout.trim(), 'no');
    assert.equal((await c.kubectl(['auth', 'can-i', 'get', 'pods', '-n', 'kube-system', '--as=alice'])).stdout.trim(), 'no');
    const asAlice = await c.kubectl(['get', 'secrets', '--as=alice']);
    assert.match(asAlice.stderr, /secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "default"/);
    const rec = writeTemp('rec.yaml', 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: reconciled, namespace: default}\nrules:\n- apiGroups: [""]\n  resources: [configmaps]\n  verbs: [get]\n');
    assert.match(await c.k(['auth', 'reconcile', '-f', rec]), /role\.rbac\.authorization\.k8s\.io\/reconciled reconciled/);
    assert.match(await c.k(['create', 'priorityclass', 'high', '--value=1000']), /priorityclass\.scheduling\.k8s\.io\/high created/);
    const denied = await c.kubectl(['run', 'prio', '--image=skiff-test/busybox:1', '--overrides={"spec":{"priorityClassName":"missing"}}']);
    assert.match(denied.stderr, /Error from server \(Forbidden\): pods "prio" is forbidden: no PriorityClass with name missing was found/);
    await c.k(['run', 'prio', '--image=skiff-test/busybox:1', '--overrides={"spec":{"priorityClassName":"high"}}', '--', 'sleep', '60']);
    assert.equal(await c.k(['get', 'pod', 'prio', '-o', 'jsonpath={.spec.priority}']), '1000');
    await c.k(['delete', 'pod', 'prio', '--grace-period=0', '--force']);
  });

  it('create secret tls/docker-registry, configmap --from-file=dir/, create -f with a List and several documents', async () => {
    const dir = tempDir('compat-files-');
    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    const ssl = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=compat', '-days', '1']);
    assert.equal(ssl.code, 0, ssl.stderr);
    assert.match(await c.k(['create', 'secret', 'tls', 'web-tls', `--cert=${cert}`, `--key=${key}`]), /secret\/web-tls created/);
    assert.match(await c.k(['create', 'secret', 'docker-registry', 'regcred', '--docker-server=registry.example.com', '--docker-username=u', '--docker-password=p']), /secret\/regcred created/);
    const secrets = await c.k(['get', 'secrets']);
    assert.match(secrets, /web-tls\s+kubernetes\.io\/tls\s+2/);
    assert.match(secrets, /regcred\s+kubernetes\.io\/dockerconfigjson\s+1/);
    const cfg = JSON.parse(Buffer.from(await c.k(['get', 'secret', 'regcred', '-o', 'jsonpath={.data.\\.dockerconfigjson}']), 'base64').toString());
    assert.equal(cfg.auths['registry.example.com'].username, 'u');
    const files = join(dir, 'conf');
    mkdirSync(files);
    writeFileSync(join(files, 'a.txt'), 'alpha\n');
    writeFileSync(join(files, 'b.conf'), 'beta\n');
    await c.k(['create', 'configmap', 'fromdir', `--from-file=${files}/`]);
    assert.deepEqual(JSON.parse(await c.k(['get', 'cm', 'fromdir', '-o', 'jsonpath={.data}'])), { 'a.txt': 'alpha\n', 'b.conf': 'beta\n' });
    const multi = writeTemp('multi.yaml', 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: list-a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: list-b}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: list-c}\n');
    const out = await c.k(['create', '-f', multi]);
    assert.match(out, /configmap\/list-a created\nconfigmap\/list-b created\nconfigmap\/list-c created/);
  });

  it('replace --force, delete --grace-period=0 --force and --wait=false, label --overwrite, annotate key-', async () => {
    const cm = writeTemp('rep.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rep}\ndata: {a: "1"}\n');
    await c.k(['create', '-f', cm]);
    const uid = await c.k(['get', 'cm', 'rep', '-o', 'jsonpath={.metadata.uid}']);
    assert.match(await c.k(['replace', '--force', '-f', cm]), /configmap "rep" deleted\nconfigmap\/rep replaced/);
    assert.notEqual(await c.k(['get', 'cm', 'rep', '-o', 'jsonpath={.metadata.uid}']), uid, 'recreated');
    const forced = await c.kubectl(['delete', 'cm', 'list-a', '--grace-period=0', '--force']);
    assert.match(forced.stdout, /configmap "list-a" force deleted/);
    assert.match(forced.stderr, /Immediate deletion does not wait for confirmation/);
    assert.match(await c.k(['delete', 'cm', 'list-b', '--wait=false']), /configmap "list-b" deleted/);
    await c.k(['label', 'cm', 'rep', 'tier=a']);
    const again = await c.kubectl(['label', 'cm', 'rep', 'tier=b']);
    assert.match(again.stderr, /'tier' already has a value \(a\), and --overwrite is false/);
    await c.k(['label', 'cm', 'rep', 'tier=b', '--overwrite']);
    await c.k(['annotate', 'cm', 'rep', 'note=x']);
    await c.k(['annotate', 'cm', 'rep', 'note-']);
    const meta = JSON.parse(await c.k(['get', 'cm', 'rep', '-o', 'jsonpath={.metadata}']));
    assert.equal(meta.labels.tier, 'b');
    assert.equal(meta.annotations?.note, undefined);
  });

  it('taint, cordon and uncordon a node; get nodes -l kubernetes.io/hostname', async () => {
    const node = (await c.k(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    assert.match(await c.k(['get', 'nodes', '-l', 'kubernetes.io/hostname']), new RegExp(`^${node}\\s+`, 'm'));
    assert.match(await c.k(['taint', 'nodes', node, 'dedicated=compat:NoSchedule']), /tainted/);
    assert.match(await c.k(['get', 'node', node, '-o', 'jsonpath={.spec.taints}']), /"key":"dedicated"/);
    assert.match(await c.k(['taint', 'nodes', node, 'dedicated=compat:NoSchedule-']), /untainted/);
    await c.k(['cordon', node]);
    assert.match(await c.k(['get', 'nodes']), /SchedulingDisabled/);
    await c.k(['uncordon', node]);
    assert.doesNotMatch(await c.k(['get', 'nodes']), /SchedulingDisabled/);
  });

  it('edit with $EDITOR, diff -f, apply --prune with an allowlist, apply -k', async () => {
    const dir = tempDir('compat-edit-');
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/tier: b/tier: edited/" "$1"\n');
    chmodSync(editor, 0o755);
    const ed = await kube(['edit', 'cm', 'rep'], { EDITOR: editor });
    assert.equal(ed.code, 0, ed.stderr);
    assert.match(ed.stdout, /configmap\/rep edited/);
    assert.equal(await c.k(['get', 'cm', 'rep', '-o', 'jsonpath={.metadata.labels.tier}']), 'edited');

    const two = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p1, labels: {app: prune}}\ndata: {a: "1"}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: p2, labels: {app: prune}}\ndata: {a: "2"}\n';
    await c.k(['apply', '-f', writeTemp('prune.yaml', two)]);
    const changed = writeTemp('prune1.yaml', two.split('---\n')[0].replace('a: "1"', 'a: "9"'));
    const diff = await c.kubectl(['diff', '-f', changed]);
    assert.equal(diff.code, 1, 'diff exits 1 when there are differences');
    assert.match(diff.stdout, /^-\s+a: "1"$/m);
    assert.match(diff.stdout, /^\+\s+a: "9"$/m);
    assert.equal((await c.kubectl(['diff', '-f', writeTemp('same.yaml', two.split('---\n')[0])])).code, 0);
    const pruned = await c.k(['apply', '--prune', '-l', 'app=prune', '--prune-allowlist=core/v1/ConfigMap', '-f', changed]);
    assert.match(pruned, /configmap\/p1 configured\nconfigmap\/p2 pruned/);
    assert.equal((await c.kubectl(['get', 'cm', 'p2'])).code, 1);

    const kz = join(dir, 'kz');
    mkdirSync(kz);
    writeFileSync(join(kz, 'kustomization.yaml'), 'namePrefix: kz-\nlabels:\n- pairs: {team: compat}\nresources: [cm.yaml]\nconfigMapGenerator:\n- name: gen\n  literals: [x=y]\n');
    writeFileSync(join(kz, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {k: v}\n');
    const k = await c.k(['apply', '-k', kz]);
    assert.match(k, /configmap\/kz-gen-[a-z0-9]+ created/);
    assert.match(k, /configmap\/kz-plain created/);
    assert.equal((await c.k(['get', 'cm', '-l', 'team=compat', '-o', 'name'])).trim().split('\n').length, 2);
  });

  it('set env/resources/selector/serviceaccount, scale --current-replicas, autoscale (autoscaling/v1), expose', async () => {
    await c.k(['create', 'deployment', 'web', '--image=skiff-test/busybox:1', '--replicas=0', '--', 'sleep', '3600']);
    assert.match(await c.k(['set', 'env', 'deploy/web', 'FOO=bar']), /env updated/);
    assert.match(await c.k(['set', 'env', 'deploy/web', '--list']), /FOO=bar/);
    assert.match(await c.k(['set', 'resources', 'deploy/web', '--limits=cpu=200m,memory=64Mi']), /resource requirements updated/);
    assert.match(await c.k(['set', 'serviceaccount', 'deploy/web', 'default']), /serviceaccount updated/);
    const d = JSON.parse(await c.k(['get', 'deploy', 'web', '-o', 'json']));
    assert.deepEqual(d.spec.template.spec.containers[0].resources.limits, { cpu: '200m', memory: '64Mi' });
    assert.equal(d.spec.template.spec.serviceAccountName, 'default');

    const mismatch = await c.kubectl(['scale', 'deploy', 'web', '--current-replicas=2', '--replicas=1']);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stderr, /Expected replicas to be 2, was 0/);
    assert.match(await c.k(['scale', 'deploy', 'web', '--current-replicas=0', '--replicas=1']), /deployment\.apps\/web scaled/);

    assert.match(await c.k(['autoscale', 'deploy', 'web', '--min=1', '--max=3', '--cpu-percent=50']), /horizontalpodautoscaler\.autoscaling\/web autoscaled/);
    assert.match(await c.k(['get', 'hpa']), /^web\s+Deployment\/web\s+cpu: <unknown>\/50%\s+1\s+3\s+/m);
    assert.match(await c.k(['get', 'horizontalpodautoscalers.v1.autoscaling']), /^web\s+Deployment\/web\s+cpu: <unknown>\/50%\s+1\s+3\s+/m);
    const v1 = JSON.parse(await c.k(['get', '--raw', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web']));
    assert.equal(v1.apiVersion, 'autoscaling/v1');
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 50);
    const v2 = JSON.parse(await c.k(['get', 'hpa', 'web', '-o', 'json']));
    assert.equal(v2.apiVersion, 'autoscaling/v2');
    assert.equal(v2.spec.metrics[0].resource.target.averageUtilization, 50);

    assert.match(await c.k(['expose', 'deploy', 'web', '--port=80', '--target-port=8080']), /service\/web exposed/);
    assert.match(await c.k(['expose', 'svc', 'web', '--name=web2', '--port=81', '--target-port=8080']), /service\/web2 exposed/);
    assert.match(await c.k(['expose', 'deploy', 'web', '--name=web-np', '--type=NodePort', '--port=80']), /service\/web-np exposed/);
    assert.match(await c.k(['get', 'svc', 'web-np']), /NodePort\s+10\.96\.\d+\.\d+\s+<none>\s+80:3\d{4}\/TCP/);
    const rc = writeTemp('rc.yaml', 'apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc1}\nspec:\n  replicas: 0\n  selector: {app: rc1}\n  template:\n    metadata: {labels: {app: rc1}}\n    spec:\n      containers: [{name: c, image: skiff-test/busybox:1, ports: [{containerPort: 80}]}]\n');
    await c.k(['apply', '-f', rc]);
    assert.match(await c.k(['expose', 'rc', 'rc1']), /service\/rc1 exposed/);
    assert.match(await c.k(['set', 'selector', 'svc/web2', 'app=other']), /selector updated/);
    assert.equal(await c.k(['get', 'svc', 'web2', '-o', 'jsonpath={.spec.selector.app}']), 'other');
  });

  it('PodDisruptionBudgets are served (create pdb, get pdb, explain)', async () => {
    assert.match(await c.k(['create', 'pdb', 'web-pdb', '--selector=app=web', '--min-available=1']), /poddisruptionbudget\.policy\/web-pdb created/);
    assert.match(await c.k(['get', 'pdb']), /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nweb-pdb\s+1\s+N\/A\s+\d+\s+/m);
    const bad = await c.kubectl(['create', '-f', writeTemp('pdb.yaml', 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: both}\nspec: {minAvailable: 1, maxUnavailable: 1, selector: {matchLabels: {a: b}}}\n')]);
    assert.match(bad.stderr, /minAvailable and maxUnavailable cannot be both set/);
    for (const kind of ['pdb', 'crd', 'clusterrole', 'rolebinding', 'hpa', 'priorityclass', 'validatingwebhookconfiguration']) {
      const r = await c.kubectl(['explain', kind]);
      assert.equal(r.code, 0, `explain ${kind}: ${r.stderr}`);
      assert.match(r.stdout, /^KIND:\s+\w+/m);
    }
    assert.match(await c.k(['explain', 'pdb.spec.minAvailable']), /FIELD: minAvailable <IntOrString>/);
  });

  it('paging with --chunk-size, lists as -o yaml, --watch-only, events', async () => {
    for (let i = 0; i < 5; i++) await c.k(['create', 'configmap', `page-${i}`]);
    const paged = await c.k(['get', 'cm', '--chunk-size=2', '-o', 'name']);
    assert.equal(paged.trim().split('\n').filter((l) => l.startsWith('configmap/page-')).length, 5);
    const verbose = await c.kubectl(['get', 'cm', '--chunk-size=2', '-v=6']);
    assert.match(verbose.stderr, /configmaps\?continue=[^&\s]+&limit=2 200 OK/);
    const yaml = await c.k(['get', 'cm', 'page-0', 'page-1', '-o', 'yaml']);
    assert.match(yaml, /^apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n/);
    assert.match(yaml, /\nkind: List\nmetadata:\n  resourceVersion: ""\n$/);

    const lines: string[] = [];
    const watcher = spawn(KUBECTL, ['--kubeconfig', c.kubeconfig, '--cache-dir', cacheDir, 'get', 'cm', '--watch-only', '-o', 'name']);
    watcher.stdout.on('data', (d: Buffer) => lines.push(...d.toString().trim().split('\n')));
    await new Promise((r) => setTimeout(r, 1500));
    await c.k(['create', 'configmap', 'watched']);
    await eventually(() => lines.includes('configmap/watched'), 15_000);
    watcher.kill();
    assert.ok(!lines.includes('configmap/page-0'), '--watch-only skips existing objects');

    await c.k(['scale', 'deploy', 'cat', '--replicas=0']);
    const events = await eventually(async () => {
      const out = await c.k(['get', 'events', '--sort-by=.lastTimestamp']);
      return /ScalingReplicaSet|SuccessfulCreate|Scheduled/.test(out) && out;
    }, 30_000);
    assert.match(events, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
    const newEvents = await c.k(['events']);
    assert.match(newEvents, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
    const forDeploy = await c.k(['events', '--for', 'deployment/web']);
    assert.match(forDeploy, /Deployment\/web/);
    assert.doesNotMatch(forDeploy, /ReplicaSet\/|Pod\//, 'events --for filters with involvedObject field selectors');
    const ev = await kube(['get', 'events', '-w'], {}, 3000);
    assert.match(ev.stdout, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
    assert.match(ev.stdout, /deployment\/web/);
  });
});
