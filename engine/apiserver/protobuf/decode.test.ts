// Tests for the Kubernetes protobuf body decoder.
// The oracle is the real kubectl: test/fixtures/protobuf/<name>.pb is what it POSTed
// and <name>.json what it builds for the same command with --dry-run=client -o json
// (re-capture with `node test/fixtures/protobuf/capture.mjs`).
// Run: npx tsx --test engine/apiserver/protobuf/decode.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { decodeProtobufObject, ProtobufDecodeError, PROTOBUF_CONTENT_TYPE } from './decode.js';

// Fixtures live in the source tree; this test also runs compiled from dist/.
const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = [path.resolve(here, '../../../test/fixtures/protobuf'), path.resolve(here, '../../../../test/fixtures/protobuf')].find((p) => existsSync(p)) ?? '';
const MAGIC = Buffer.from('k8s\0', 'latin1');

/**
 * Drops what dry-run output has but the wire lacks. The only such field is
 * `creationTimestamp: null` (top-level and in pod/job templates): Go marshals a
 * zero metav1.Time as JSON null, but as a zero-length message in protobuf, which
 * the decoder rightly treats as absent.
 */
function dropDryRunOnly(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropDryRunOnly);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'creationTimestamp' && v === null) continue;
    out[k] = dropDryRunOnly(v);
  }
  return out;
}

const names = readdirSync(fixtures)
  .filter((f) => f.endsWith('.pb'))
  .map((f) => f.slice(0, -3))
  .sort();

test('fixtures were captured', () => {
  assert.ok(names.length >= 13, `expected the kubectl fixtures, found ${names.length}`);
});

for (const name of names) {
  test(`kubectl create ${name}: protobuf body decodes to the JSON kubectl would send`, () => {
    const body = readFileSync(path.join(fixtures, `${name}.pb`));
    const want = dropDryRunOnly(JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), 'utf8')));
    assert.deepStrictEqual(decodeProtobufObject(body), want);
  });
}

test('explicit zero of a pointer field survives (replicas: 0)', () => {
  const obj = decodeProtobufObject(readFileSync(path.join(fixtures, 'deployment-zero.pb')));
  assert.equal((obj['spec'] as Record<string, unknown>)['replicas'], 0);
});

// --- special mappings, checked on objects encoded with the same schema ---

function loadSchema(): protobuf.Root {
  const dir = [path.join(here, 'proto'), path.resolve(here, '../../../../engine/apiserver/protobuf/proto')].find((p) => existsSync(p)) ?? '';
  const root = new protobuf.Root();
  root.resolvePath = (_o, t) => (path.isAbsolute(t) ? t : path.join(dir, t));
  root.loadSync(['k8s.io/api/core/v1/generated.proto', 'k8s.io/api/apps/v1/generated.proto', 'k8s.io/api/networking/v1/generated.proto'], {
    keepCase: true,
  });
  return root;
}

/** Wraps an object encoded as `typeName` in the k8s\0 + runtime.Unknown envelope. */
function envelope(root: protobuf.Root, apiVersion: string, kind: string, typeName: string, obj: object): Buffer {
  const raw = root.lookupType(typeName).encode(root.lookupType(typeName).fromObject(obj)).finish();
  return wrap(apiVersion, kind, raw);
}

function wrap(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const unknown = new protobuf.Type('Unknown')
    .add(new protobuf.Type('TypeMeta').add(new protobuf.Field('apiVersion', 1, 'string')).add(new protobuf.Field('kind', 2, 'string')))
    .add(new protobuf.Field('typeMeta', 1, 'TypeMeta'))
    .add(new protobuf.Field('raw', 2, 'bytes'));
  new protobuf.Root().add(unknown);
  return Buffer.concat([MAGIC, unknown.encode({ typeMeta: { apiVersion, kind }, raw }).finish()]);
}

test('Time, IntOrString, Quantity, bytes, inline structs and Go pointer fields map to their JSON form', () => {
  const root = loadSchema();
  const body = envelope(root, 'v1', 'Pod', 'k8s.io.api.core.v1.Pod', {
    metadata: {
      name: 'p',
      creationTimestamp: { seconds: 1704164645 },
      generateName: '',
      generation: 0,
      labels: { a: 'b' },
    },
    spec: {
      hostPID: false,
      hostNetwork: true,
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      nodeSelector: { disk: 'ssd' },
      containers: [
        {
          name: 'c',
          stdin: false,
          readinessProbe: { handler: { httpGet: { path: '/healthz', port: { type: 1, strVal: 'http' } } }, periodSeconds: 5 },
          livenessProbe: { handler: { tcpSocket: { port: { type: 0, intVal: 8080 } } } },
          resources: { limits: { memory: { string: '128Mi' } } },
          env: [{ name: 'X', valueFrom: { secretKeyRef: { localObjectReference: { name: 's' }, key: 'k' } } }],
          securityContext: { runAsUser: 0, allowPrivilegeEscalation: false },
        },
      ],
      volumes: [{ name: 'v', volumeSource: { emptyDir: {} } }],
    },
  });
  assert.deepStrictEqual(decodeProtobufObject(body), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', creationTimestamp: '2024-01-02T03:04:05Z', labels: { a: 'b' } },
    spec: {
      volumes: [{ name: 'v', emptyDir: {} }],
      containers: [
        {
          name: 'c',
          env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
          resources: { limits: { memory: '128Mi' } },
          livenessProbe: { tcpSocket: { port: 8080 } },
          readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
          securityContext: { runAsUser: 0, allowPrivilegeEscalation: false },
        },
      ],
      terminationGracePeriodSeconds: 0,
      nodeSelector: { disk: 'ssd' },
      automountServiceAccountToken: false,
      hostNetwork: true,
    },
  });
});

test('Secret data and ConfigMap binaryData (map<string, bytes>) become base64', () => {
  const root = loadSchema();
  const secret = decodeProtobufObject(
    envelope(root, 'v1', 'Secret', 'k8s.io.api.core.v1.Secret', {
      metadata: { name: 's' },
      data: { bin: Buffer.from([0, 1, 2, 255]), txt: Buffer.from('hi') },
      type: 'Opaque',
    }),
  );
  assert.deepStrictEqual(secret['data'], { bin: 'AAEC/w==', txt: 'aGk=' });
  const cm = decodeProtobufObject(
    envelope(root, 'v1', 'ConfigMap', 'k8s.io.api.core.v1.ConfigMap', { binaryData: { b: Buffer.from('x') } }),
  );
  assert.deepStrictEqual(cm['binaryData'], { b: 'eA==' });
});

test('RawExtension holding JSON or a nested protobuf object is parsed', () => {
  const root = loadSchema();
  const json = decodeProtobufObject(
    envelope(root, 'apps/v1', 'ControllerRevision', 'k8s.io.api.apps.v1.ControllerRevision', {
      metadata: { name: 'r' },
      data: { raw: Buffer.from('{"spec":{"template":{"x":1}}}') },
      revision: 0,
    }),
  );
  assert.deepStrictEqual(json, {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name: 'r' },
    data: { spec: { template: { x: 1 } } },
    revision: 0, // json:"revision" has no omitempty
  });
  const inner = envelope(root, 'v1', 'ConfigMap', 'k8s.io.api.core.v1.ConfigMap', { metadata: { name: 'in' } });
  const nested = decodeProtobufObject(
    envelope(root, 'apps/v1', 'ControllerRevision', 'k8s.io.api.apps.v1.ControllerRevision', { data: { raw: inner }, revision: 2 }),
  );
  assert.deepStrictEqual(nested['data'], { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'in' } });
});

test('proto field names that are not the JSON name are renamed (aPIGroup → apiGroup)', () => {
  const root = loadSchema();
  const obj = decodeProtobufObject(
    envelope(root, 'networking.k8s.io/v1', 'IngressClass', 'k8s.io.api.networking.v1.IngressClass', {
      spec: { controller: 'x/y', parameters: { aPIGroup: 'k8s.example.com', kind: 'P', name: 'p' } },
    }),
  );
  assert.deepStrictEqual((obj['spec'] as Record<string, unknown>)['parameters'], {
    apiGroup: 'k8s.example.com',
    kind: 'P',
    name: 'p',
  });
});

test('PROTOBUF_CONTENT_TYPE is the Kubernetes media type', () => {
  assert.equal(PROTOBUF_CONTENT_TYPE, 'application/vnd.kubernetes.protobuf');
});

// --- malformed input: always a ProtobufDecodeError, never a crash ---

const isDecodeError = (err: unknown): boolean => {
  assert.ok(err instanceof ProtobufDecodeError, `expected ProtobufDecodeError, got ${String(err)}`);
  assert.ok(err instanceof Error);
  assert.ok(err.message.length > 0);
  return true;
};

test('missing magic prefix is rejected', () => {
  assert.throws(() => decodeProtobufObject(Buffer.from('{"kind":"Pod","apiVersion":"v1"}')), isDecodeError);
  assert.throws(() => decodeProtobufObject(Buffer.alloc(0)), isDecodeError);
  assert.throws(() => decodeProtobufObject(Buffer.from('k8s')), isDecodeError);
});

test('unknown kind or group is rejected', () => {
  const raw = new Uint8Array(0);
  assert.throws(() => decodeProtobufObject(wrap('example.com/v1', 'Widget', raw)), isDecodeError);
  assert.throws(() => decodeProtobufObject(wrap('v1', 'Widget', raw)), isDecodeError);
  assert.throws(() => decodeProtobufObject(wrap('v1', '', raw)), isDecodeError);
  assert.throws(() => decodeProtobufObject(wrap('', 'Pod', raw)), isDecodeError);
  assert.throws(() => decodeProtobufObject(wrap('v1', 'constructor', raw)), isDecodeError);
});

/** [start, end) of the envelope's `raw` field (field 2, after the field-1 typeMeta). */
function rawRange(body: Buffer): [number, number] {
  let at = 4;
  assert.equal(body[at], 0x0a); // typeMeta
  at += 2 + body[at + 1]!;
  assert.equal(body[at], 0x12); // raw
  at++;
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    const b = body[at++]!;
    len |= (b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  return [at, at + len];
}

test('truncated bodies are rejected', () => {
  const body = readFileSync(path.join(fixtures, 'deployment.pb'));
  const [start, end] = rawRange(body);
  // Every cut inside the object bytes breaks the raw field's length prefix.
  for (let len = start; len < end; len++) {
    assert.throws(() => decodeProtobufObject(body.subarray(0, len)), isDecodeError, `cut at ${len}`);
  }
  // Other cuts may still leave a well-formed (possibly empty) envelope; they must not crash.
  for (let len = 0; len <= body.length; len++) {
    if (len >= start && len < end) continue;
    try {
      decodeProtobufObject(body.subarray(0, len));
    } catch (err) {
      isDecodeError(err);
    }
  }
});

test('garbage and bit-flipped bodies never throw anything but ProtobufDecodeError', () => {
  let seed = 42;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const garbage = Buffer.from(Array.from({ length: 200 }, () => Math.floor(rand() * 256)));
  assert.throws(() => decodeProtobufObject(garbage), isDecodeError);
  assert.throws(() => decodeProtobufObject(Buffer.concat([MAGIC, garbage])), isDecodeError);
  for (const name of names) {
    const body = readFileSync(path.join(fixtures, `${name}.pb`));
    for (let i = 0; i < 200; i++) {
      const mutated = Buffer.from(body);
      const at = 4 + Math.floor(rand() * (mutated.length - 4));
      mutated[at] = Math.floor(rand() * 256);
      try {
        const obj = decodeProtobufObject(mutated);
        assert.equal(typeof obj, 'object');
      } catch (err) {
        isDecodeError(err);
      }
    }
  }
});

test('meta/v1 request kinds decode in any group; other meta types are not kinds', () => {
  // DeleteOptions{gracePeriodSeconds: 0, propagationPolicy: "Foreground"} — gracePeriodSeconds is a pointer.
  const raw = Buffer.from([0x08, 0x00, 0x22, 0x0a, ...Buffer.from('Foreground')]);
  assert.deepStrictEqual(decodeProtobufObject(wrap('apps/v1', 'DeleteOptions', raw)), {
    apiVersion: 'apps/v1',
    kind: 'DeleteOptions',
    gracePeriodSeconds: 0,
    propagationPolicy: 'Foreground',
  });
  assert.throws(() => decodeProtobufObject(wrap('v1', 'Time', new Uint8Array(0))), isDecodeError);
});
