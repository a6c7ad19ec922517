/**
 * The kubelet with the real kubectl on real Docker containers (issue B): pods run, multi-container
 * pods with init containers, env and mounted files, shared localhost, probes, crash loops and
 * `logs --previous`, exit codes, pull errors, `logs -f`, `exec -i`/`-it`, port-forward, top,
 * and deletion removing every container.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dockerAvailable, eventually, run } from './harness.js';
import { BUSYBOX, HTTPD, NODE, kubectlWithPty, startKubeletCluster, type KubeletCluster } from './kubelet-cluster.js';

describe('kubelet: pods as Docker containers, driven by kubectl', { skip: !dockerAvailable() && 'Docker is not available' }, () => {
  let c: KubeletCluster;
  before(async () => {
    c = await startKubeletCluster();
  });
  after(async () => {
    await c?.destroy();
  });

  it('kubectl run → Running with a pod IP on the cluster network', async () => {
    await c.k(['run', 'x', `--image=${BUSYBOX}`, '--', 'sleep', '3600']);
    await c.waitPod('x', '{.status.phase}', (p) => p === 'Running');
    const ip = await c.k(['get', 'pod', 'x', '-o', 'jsonpath={.status.podIP}']);
    const [a, b] = c.subnet.split('.');
    assert.match(ip, new RegExp(`^${a}\\.${b}\\.\\d+\\.\\d+$`));
    assert.equal(await c.k(['get', 'pod', 'x', '-o', 'jsonpath={.status.containerStatuses[0].ready}']), 'true');
    assert.match(await c.k(['get', 'pod', 'x', '-o', 'jsonpath={.status.containerStatuses[0].containerID}']), /^docker:\/\/[0-9a-f]{64}$/);
    // The pod's hostname is its name.
    assert.equal((await c.k(['exec', 'x', '--', 'hostname'])).trim(), 'x');
    const events = await c.k(['get', 'events', '--field-selector', 'involvedObject.name=x', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    for (const r of ['Pulled', 'Created', 'Started']) assert.match(events, new RegExp(`^${r}$`, 'm'));
  });

  it('exec -i: stdin in, stdout/stderr out, the exit code comes back', async () => {
    const r = await c.kubectl(['exec', '-i', 'x', '--', 'sh', '-c', 'cat; echo oops >&2; exit 3'], { input: 'hello from stdin\n' });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'hello from stdin\n');
    assert.match(r.stderr, /oops/);
    assert.match(r.stderr, /command terminated with exit code 3/);
    const ok = await c.kubectl(['exec', 'x', '--', 'true']);
    assert.equal(ok.code, 0);
  });

  it('exec -it: a TTY with the terminal size, input and exit code', async () => {
    const r = await kubectlWithPty(c, ['exec', '-it', 'x', '--', 'sh'], [
      { after: 1500, text: 'tty; stty size; echo $((6*7))\r' },
      { after: 3000, text: 'exit 4\r' },
    ]);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
    assert.match(r.stdout, /33 101/);
    assert.match(r.stdout, /\b42\b/);
    assert.equal(r.code, 4, r.stdout);
  });

  it('logs -f streams new lines as they are written', async () => {
    await c.apply(`
apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  nodeName: ${NODE}
  terminationGracePeriodSeconds: 1
  containers:
  - name: t
    image: ${BUSYBOX}
    command: [sh, -c, 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.3; done']
`);
    await c.waitPod('ticker', '{.status.phase}', (p) => p === 'Running');
    const p = spawn('/usr/bin/kubectl', ['--kubeconfig', c.kubeconfig, 'logs', '-f', 'ticker']);
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually(() => /tick 2\n/.test(out), 15_000, 100);
      const seen = out.split('\n').filter(Boolean).length;
      await eventually(() => out.split('\n').filter(Boolean).length >= seen + 3, 15_000, 100);
    } finally {
      p.kill();
    }
    const tail = await c.k(['logs', 'ticker', '--tail=1', '--timestamps']);
    assert.match(tail, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z tick \d+\n$/);
  });

  it('multi-container pod: init containers in order, env from ConfigMap/Secret, mounted files, shared localhost', async () => {
    await c.apply(`
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {GREETING: hello, app.conf: "mode=test\\n"}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
stringData: {PASSWORD: s3cret}
---
apiVersion: v1
kind: Pod
metadata: {name: multi, labels: {app: multi, tier: web}}
spec:
  nodeName: ${NODE}
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: first
    image: ${BUSYBOX}
    command: [sh, -c, 'echo first > /work/order']
    volumeMounts: [{name: work, mountPath: /work}]
  - name: second
    image: ${BUSYBOX}
    command: [sh, -c, 'echo second >> /work/order; echo "<p>served</p>" > /work/index.html']
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: web
    image: ${BUSYBOX}
    command: [httpd, -f, -p, '8080', -h, /work]
    ports: [{containerPort: 8080, name: http}]
    volumeMounts: [{name: work, mountPath: /work}]
  - name: client
    image: ${BUSYBOX}
    command: [sh, -c, 'trap exit TERM; while true; do sleep 1; done']
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: cfg, key: GREETING}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: sec, key: PASSWORD}}}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: MSG, value: "$(GREETING), $(POD_NAME)! $$(NOT_EXPANDED)"}
    envFrom: [{prefix: CFG_, configMapRef: {name: cfg}}]
    volumeMounts:
    - {name: cfg, mountPath: /etc/cfg}
    - {name: sec, mountPath: /etc/sec}
    - {name: info, mountPath: /etc/info}
    - {name: work, mountPath: /work}
  volumes:
  - {name: work, emptyDir: {}}
  - {name: cfg, configMap: {name: cfg}}
  - {name: sec, secret: {secretName: sec, defaultMode: 0400}}
  - name: info
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: name, fieldRef: {fieldPath: metadata.name}}
`);
    await c.waitPod('multi', '{.status.phase}', (p) => p === 'Running');
    const sh = async (cmd: string) => c.k(['exec', 'multi', '-c', 'client', '--', 'sh', '-c', cmd]);
    assert.equal(await sh('cat /work/order'), 'first\nsecond\n');
    assert.equal(await sh('echo "$MSG|$PASSWORD|$CFG_GREETING|$POD_NAME"'), 'hello, multi! $(NOT_EXPANDED)|s3cret|hello|multi\n');
    const ip = await c.k(['get', 'pod', 'multi', '-o', 'jsonpath={.status.podIP}']);
    assert.equal(await sh('echo $POD_IP'), `${ip}\n`);
    assert.equal(await c.k(['exec', 'multi', '-c', 'client', '--', 'cat', '/etc/cfg/app.conf']), 'mode=test\n');
    assert.equal(await c.k(['exec', 'multi', '-c', 'client', '--', 'cat', '/etc/sec/PASSWORD']), 's3cret');
    assert.match(await sh('stat -L -c %a /etc/sec/PASSWORD /etc/cfg/app.conf'), /^400\n644\n$/);
    assert.equal(await c.k(['exec', 'multi', '-c', 'client', '--', 'cat', '/etc/info/labels']), 'app="multi"\ntier="web"');
    // The two app containers share the pod's network namespace: localhost reaches httpd.
    assert.equal(await sh('wget -qO- http://localhost:8080/index.html'), '<p>served</p>\n');
    const init = await c.k(['get', 'pod', 'multi', '-o', 'jsonpath={range .status.initContainerStatuses[*]}{.name}={.state.terminated.reason}/{.state.terminated.exitCode} {end}']);
    assert.equal(init.trim(), 'first=Completed/0 second=Completed/0');
    // A ConfigMap update reaches the mounted file (atomic ..data swap), env stays as it was.
    await c.k(['patch', 'configmap', 'cfg', '--type=merge', '-p', '{"data":{"app.conf":"mode=updated\\n"}}']);
    await eventually(async () => (await sh('cat /etc/cfg/app.conf')) === 'mode=updated\n', 30_000, 300);
  });

  it('probes: a failing httpGet liveness probe restarts; readiness flips Ready', async () => {
    await c.apply(`
apiVersion: v1
kind: Pod
metadata: {name: probed}
spec:
  nodeName: ${NODE}
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: ${BUSYBOX}
    command: [sh, -c, 'mkdir -p /www && echo ok > /www/healthz && exec httpd -f -p 8080 -h /www']
    readinessProbe: {exec: {command: [test, -f, /tmp/ready]}, periodSeconds: 1, failureThreshold: 1}
    livenessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1, failureThreshold: 2}
`);
    await c.waitPod('probed', '{.status.phase}', (p) => p === 'Running');
    const ready = () => c.k(['get', 'pod', 'probed', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    assert.equal(await ready(), 'False');
    await c.k(['exec', 'probed', '--', 'touch', '/tmp/ready']);
    await eventually(async () => (await ready()) === 'True', 20_000, 300);
    await c.k(['exec', 'probed', '--', 'rm', '/tmp/ready']);
    await eventually(async () => (await ready()) === 'False', 20_000, 300);
    // Break liveness: the container is killed and restarted (restartCount 1).
    await c.k(['exec', 'probed', '--', 'rm', '/www/healthz']);
    await c.waitPod('probed', '{.status.containerStatuses[0].restartCount}', (n) => Number(n) >= 1, 30_000);
    const ev = await c.k(['get', 'events', '--field-selector', 'involvedObject.name=probed', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
    assert.match(ev, /Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 404/);
    assert.match(ev, /Killing: Container web failed liveness probe, will be restarted/);
    assert.match(ev, /Unhealthy: Readiness probe failed/);
  });

  it('crash loop: CrashLoopBackOff, restartCount, logs --previous', async () => {
    await c.apply(`
apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  nodeName: ${NODE}
  containers:
  - name: c
    image: ${BUSYBOX}
    command: [sh, -c, 'echo "run $(cat /proc/uptime)"; exit 2']
`);
    await c.waitPod('crasher', '{.status.containerStatuses[0].state.waiting.reason}', (r) => r === 'CrashLoopBackOff', 60_000);
    const st = JSON.parse(await c.k(['get', 'pod', 'crasher', '-o', 'jsonpath={.status.containerStatuses[0]}']));
    assert.ok(st.restartCount >= 1);
    assert.equal(st.lastState.terminated.exitCode, 2);
    assert.equal(st.lastState.terminated.reason, 'Error');
    assert.match(st.state.waiting.message, /^back-off \d+s restarting failed container=c pod=crasher_default\(/);
    assert.match(await c.k(['logs', 'crasher', '--previous']), /^run \d/);
    assert.match(await c.k(['get', 'pod', 'crasher']), /CrashLoopBackOff/);
    const r = await c.kubectl(['logs', 'x', '--previous']);
    assert.match(r.stderr, /previous terminated container "x" in pod "x" not found/);
  });

  it('Succeeded and Failed with exit codes (restartPolicy Never)', async () => {
    await c.apply(`
apiVersion: v1
kind: Pod
metadata: {name: done}
spec:
  nodeName: ${NODE}
  restartPolicy: Never
  containers:
  - {name: c, image: ${BUSYBOX}, command: [sh, -c, 'echo finished; echo "all good" > /dev/termination-log']}
---
apiVersion: v1
kind: Pod
metadata: {name: failed}
spec:
  nodeName: ${NODE}
  restartPolicy: Never
  containers:
  - {name: c, image: ${BUSYBOX}, command: [sh, -c, 'exit 7']}
`);
    await c.waitPod('done', '{.status.phase}', (p) => p === 'Succeeded');
    await c.waitPod('failed', '{.status.phase}', (p) => p === 'Failed');
    const t = (pod: string) => c.k(['get', 'pod', pod, '-o', 'jsonpath={.status.containerStatuses[0].state.terminated.exitCode}/{.status.containerStatuses[0].state.terminated.reason}/{.status.containerStatuses[0].state.terminated.message}']);
    assert.equal(await t('done'), '0/Completed/all good\n');
    assert.equal(await t('failed'), '7/Error/');
    assert.equal(await c.k(['logs', 'done']), 'finished\n');
    assert.match(await c.k(['get', 'pods', 'done', 'failed']), /done\s+0\/1\s+Completed[\s\S]*failed\s+0\/1\s+Error/);
  });

  it('an image that cannot be pulled: ErrImagePull, then ImagePullBackOff', async () => {
    await c.apply(`
apiVersion: v1
kind: Pod
metadata: {name: nopull}
spec:
  nodeName: ${NODE}
  containers:
  - {name: c, image: skiff-test/does-not-exist:1}
`);
    await c.waitPod('nopull', '{.status.containerStatuses[0].state.waiting.reason}', (r) => r === 'ErrImagePull' || r === 'ImagePullBackOff', 30_000);
    await c.waitPod('nopull', '{.status.containerStatuses[0].state.waiting.reason}', (r) => r === 'ImagePullBackOff', 30_000);
    const ev = await c.k(['get', 'events', '--field-selector', 'involvedObject.name=nopull', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
    assert.match(ev, /Pulling: Pulling image "skiff-test\/does-not-exist:1"/);
    assert.match(ev, /Failed: Failed to pull image "skiff-test\/does-not-exist:1"/);
    assert.match(ev, /Failed: Error: ErrImagePull/);
    assert.match(ev, /BackOff: Back-off pulling image "skiff-test\/does-not-exist:1"/);
    const r = await c.kubectl(['logs', 'nopull']);
    assert.match(r.stderr, /is waiting to start: (image can't be pulled|trying and failing to pull image)/);
  });

  it('port-forward pod/x L:R, then fetch through it; pods proxy', async () => {
    await c.apply(`
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  nodeName: ${NODE}
  terminationGracePeriodSeconds: 1
  containers:
  - {name: web, image: ${HTTPD}, ports: [{containerPort: 80}]}
`);
    await c.waitPod('web', '{.status.phase}', (p) => p === 'Running');
    const pf = spawn('/usr/bin/kubectl', ['--kubeconfig', c.kubeconfig, 'port-forward', 'pod/web', ':80']);
    let out = '';
    pf.stdout.on('data', (d: Buffer) => (out += d.toString()));
    pf.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const port = await eventually(() => /Forwarding from 127\.0\.0\.1:(\d+) -> 80/.exec(out)?.[1], 15_000, 100);
      for (let i = 0; i < 3; i++) {
        const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
        assert.match(body, /<h1>skiff-test<\/h1>/);
      }
    } finally {
      pf.kill();
    }
    const proxied = await c.k(['get', '--raw', '/api/v1/namespaces/default/pods/web:80/proxy/']);
    assert.match(proxied, /<h1>skiff-test<\/h1>/);
  });

  it('kubectl top pod / top node', async () => {
    const pods = await eventually(async () => {
      const r = await c.kubectl(['top', 'pod']);
      return r.code === 0 ? r.stdout : false;
    }, 30_000, 500);
    assert.match(pods, /NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    assert.match(pods, /^x\s+\d+m\s+\d+Mi/m);
    assert.match(pods, /^web\s+\d+m\s+\d+Mi/m);
    assert.match(await c.k(['top', 'pod', 'web', '--containers']), /^web\s+web\s+\d+m\s+\d+Mi/m);
    const node = await c.k(['top', 'node']);
    assert.match(node, new RegExp(`${NODE}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`));
  });

  it('kubectl delete pod removes every container and the sandbox', async () => {
    const uid = await c.k(['get', 'pod', 'multi', '-o', 'jsonpath={.metadata.uid}']);
    assert.equal(c.containers({ 'io.skiff.pod.uid': uid }).length, 5, 'sandbox + 2 init + 2 app containers');
    const r = await run('/usr/bin/kubectl', ['--kubeconfig', c.kubeconfig, 'delete', 'pod', 'multi', 'crasher', 'done', 'failed', 'nopull'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(c.containers({ 'io.skiff.pod.uid': uid }), []);
    for (const p of ['crasher', 'done', 'failed', 'nopull']) assert.match((await c.kubectl(['get', 'pod', p])).stderr, /NotFound/);
    const names = c.containers().join('\n');
    assert.doesNotMatch(names, /_(multi|crasher|done|failed|nopull)_default_/);
  });
});
