/**
 * Credentials for the API server, generated on first start and kept in the data dir: a cluster
 * CA, a serving certificate for 127.0.0.1/localhost/kubernetes.default.svc signed by it, and a
 * bearer token for the admin user. The kubeconfig written next to them (mode 0600) is how
 * kubectl and the dashboard reach the cluster. Keys come from Node's native crypto (fast);
 * node-forge only builds and signs the X.509 certificates.
 */
import { generateKeyPair, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

// node-forge is only needed the first time (to create certificates): load it on demand.
const forgeLib = (): typeof import('node-forge') => createRequire(import.meta.url)('node-forge') as typeof import('node-forge');

export interface Credentials {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  token: string;
}

const FILES = {
  caCert: 'pki/ca.crt',
  caKey: 'pki/ca.key',
  serverCert: 'pki/apiserver.crt',
  serverKey: 'pki/apiserver.key',
  token: 'pki/admin.token',
} as const;

/**
 * Loads the credentials from `dataDir`, creating whatever is missing. The two RSA keys are
 * generated in parallel on libuv's thread pool: a first start is dominated by key generation.
 */
export async function ensureCredentials(dataDir: string, extraIPs: string[] = []): Promise<Credentials> {
  mkdirSync(join(dataDir, 'pki'), { recursive: true, mode: 0o700 });
  const path = (k: keyof typeof FILES) => join(dataDir, FILES[k]);
  const needCA = !existsSync(path('caCert')) || !existsSync(path('caKey'));
  const needServing = needCA || !existsSync(path('serverCert')) || !existsSync(path('serverKey')) || !coversIPs(readFileSync(path('serverCert'), 'utf8'), extraIPs);
  const [caPair, servingPair] = await Promise.all([needCA ? keyPair() : undefined, needServing ? keyPair() : undefined]);
  if (caPair) {
    const ca = makeCA(caPair);
    writeSecret(path('caKey'), ca.key);
    writeSecret(path('caCert'), ca.cert);
  }
  const caCert = readFileSync(path('caCert'), 'utf8');
  const caKey = readFileSync(path('caKey'), 'utf8');
  if (servingPair) {
    const s = makeServing(servingPair, caCert, caKey, extraIPs);
    writeSecret(path('serverKey'), s.key);
    writeSecret(path('serverCert'), s.cert);
  }
  if (!existsSync(path('token'))) writeSecret(path('token'), randomBytes(32).toString('base64url'));
  return {
    caCert,
    caKey,
    serverCert: readFileSync(path('serverCert'), 'utf8'),
    serverKey: readFileSync(path('serverKey'), 'utf8'),
    token: readFileSync(path('token'), 'utf8').trim(),
  };
}

/** Whether a serving certificate already names every IP we need (else it is re-issued). */
function coversIPs(certPem: string, ips: string[]): boolean {
  if (ips.length === 0) return true;
  const san = new X509Certificate(certPem).subjectAltName ?? '';
  return ips.every((ip) => san.includes(`IP Address:${ip}`));
}

interface KeyPair {
  publicKey: string;
  privateKey: string;
}

const generateKeyPairAsync = promisify(generateKeyPair);

function keyPair(): Promise<KeyPair> {
  return generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  }) as Promise<KeyPair>;
}

function serial(): string {
  // Positive 16-byte serial (leading bit cleared).
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}

function makeCA(kp: KeyPair): { cert: string; key: string } {
  const forge = forgeLib();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(kp.publicKey);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600_000);
  const attrs = [{ name: 'commonName', value: 'skiff-ca' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(kp.privateKey), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: kp.privateKey };
}

function makeServing(kp: KeyPair, caCertPem: string, caKeyPem: string, extraIPs: string[]): { cert: string; key: string } {
  const forge = forgeLib();
  const ca = forge.pki.certificateFromPem(caCertPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(kp.publicKey);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 5 * 365 * 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: 'kube-apiserver' }]);
  cert.setIssuer(ca.subject.attributes);
  const altNames: { type: number; value?: string; ip?: string }[] = [
    { type: 2, value: 'localhost' },
    { type: 2, value: 'kubernetes' },
    { type: 2, value: 'kubernetes.default' },
    { type: 2, value: 'kubernetes.default.svc' },
    { type: 2, value: 'kubernetes.default.svc.cluster.local' },
    { type: 7, ip: '127.0.0.1' },
  ];
  for (const ip of extraIPs) altNames.push({ type: 7, ip });
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(caKeyPem), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: kp.privateKey };
}

/** Writes a file readable only by its owner, atomically (write then rename). */
export function writeSecret(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Constant-time bearer token check. */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface KubeconfigOptions {
  server: string;
  caCert: string;
  token: string;
  name?: string;
}

/** A kubeconfig for the admin user, current-context set (YAML is a superset of this JSON-ish text). */
export function kubeconfigYaml(o: KubeconfigOptions): string {
  const name = o.name ?? 'skiff';
  const ca = Buffer.from(o.caCert).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: ${name}
  cluster:
    server: ${o.server}
    certificate-authority-data: ${ca}
users:
- name: ${name}-admin
  user:
    token: ${o.token}
contexts:
- name: ${name}
  context:
    cluster: ${name}
    user: ${name}-admin
    namespace: default
current-context: ${name}
preferences: {}
`;
}
