/**
 * Credentials for the API server, generated on first start and kept in the data dir: a cluster
 * CA, a serving certificate for 127.0.0.1/localhost/kubernetes.default.svc signed by it, and a
 * bearer token for the admin user. The kubeconfig written next to them (mode 0600) is how
 * kubectl and the dashboard reach the cluster.
 *
 * Keys are EC P-256 from Node's native crypto (about a millisecond each; the RSA-2048 keys of
 * earlier versions took 0.1–1 s and dominated a first start) and certificates are built by our
 * own small DER writer (./x509.ts). kubectl (Go crypto/tls), client-node and browsers accept
 * ECDSA certificates, as for kubeadm clusters created with ECDSA keys. Data dirs with RSA
 * credentials keep working: files are only read, and an RSA CA can still sign a re-issued
 * serving certificate.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificate } from './x509.js';

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

/** Loads the credentials from `dataDir`, creating whatever is missing. */
export async function ensureCredentials(dataDir: string, extraIPs: string[] = []): Promise<Credentials> {
  mkdirSync(join(dataDir, 'pki'), { recursive: true, mode: 0o700 });
  const path = (k: keyof typeof FILES) => join(dataDir, FILES[k]);
  const needCA = !existsSync(path('caCert')) || !existsSync(path('caKey'));
  const needServing = needCA || !existsSync(path('serverCert')) || !existsSync(path('serverKey')) || !coversIPs(readFileSync(path('serverCert'), 'utf8'), extraIPs);
  if (needCA) {
    const ca = makeCA(keyPair());
    writeSecret(path('caKey'), ca.key);
    writeSecret(path('caCert'), ca.cert);
  }
  const caCert = readFileSync(path('caCert'), 'utf8');
  const caKey = readFileSync(path('caKey'), 'utf8');
  if (needServing) {
    const s = makeServing(keyPair(), caCert, caKey, extraIPs);
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
  publicKey: KeyObject;
  privateKey: KeyObject;
}

function keyPair(): KeyPair {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/** The private key as PEM: SEC1 "EC PRIVATE KEY", as kubeadm writes ECDSA keys. */
function keyPem(k: KeyObject): string {
  return k.export({ type: k.asymmetricKeyType === 'ec' ? 'sec1' : 'pkcs1', format: 'pem' }).toString();
}

// Back-dated a minute so a client whose clock is slightly behind still accepts the certificate.
const notBefore = () => new Date(Date.now() - 60_000);
const years = (n: number) => new Date(Date.now() + n * 365 * 24 * 3600_000);

function makeCA(kp: KeyPair): { cert: string; key: string } {
  const cert = createCertificate({ publicKey: kp.publicKey, signingKey: kp.privateKey, commonName: 'skiff-ca', serial: randomBytes(16), notBefore: notBefore(), notAfter: years(10), ca: true });
  return { cert, key: keyPem(kp.privateKey) };
}

function makeServing(kp: KeyPair, caCertPem: string, caKeyPem: string, extraIPs: string[]): { cert: string; key: string } {
  const cert = createCertificate({
    publicKey: kp.publicKey,
    signingKey: createPrivateKey(caKeyPem),
    issuer: { certDer: new X509Certificate(caCertPem).raw },
    commonName: 'kube-apiserver',
    serial: randomBytes(16),
    notBefore: notBefore(),
    notAfter: years(5),
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
    ips: ['127.0.0.1', ...extraIPs],
    serverAuth: true,
  });
  return { cert, key: keyPem(kp.privateKey) };
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
