import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCredentials } from './certs.js';
import { createCertificate, subjectDer } from './x509.js';

const issued = (certPem: string, caPem: string) => {
  const cert = new X509Certificate(certPem);
  const ca = new X509Certificate(caPem);
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
};

/** One TLS request with the CA as the only trust anchor, by host name `servername`. */
async function handshake(cert: string, key: string, ca: string, servername: string): Promise<number> {
  const server = createServer({ cert, key }, (_q, r) => r.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await new Promise<number>((resolve, reject) => {
      const rq = request({ host: '127.0.0.1', servername, port: (server.address() as AddressInfo).port, ca, path: '/' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      rq.on('error', reject);
      rq.end();
    });
  } finally {
    server.close();
  }
}

describe('credentials', () => {
  it('creates an EC P-256 CA and serving certificate that a TLS client trusts, quickly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-certs-'));
    try {
      const t0 = performance.now();
      const c = await ensureCredentials(dir, ['10.96.0.1']);
      const ms = performance.now() - t0;
      const ca = new X509Certificate(c.caCert);
      const srv = new X509Certificate(c.serverCert);
      assert.equal(ca.ca, true);
      assert.equal(srv.ca, false);
      assert.equal(ca.subject, 'CN=skiff-ca');
      assert.equal(srv.issuer, 'CN=skiff-ca');
      assert.equal(createPrivateKey(c.caKey).asymmetricKeyType, 'ec');
      assert.match(c.serverKey, /BEGIN EC PRIVATE KEY/);
      assert.ok(issued(c.serverCert, c.caCert));
      assert.ok(issued(c.caCert, c.caCert), 'CA is self-signed');
      for (const n of ['DNS:localhost', 'DNS:kubernetes.default.svc.cluster.local', 'IP Address:127.0.0.1', 'IP Address:10.96.0.1']) assert.ok(srv.subjectAltName?.includes(n), n);
      assert.ok(srv.checkHost('kubernetes.default.svc'));
      assert.ok(new Date(srv.validTo).getTime() > Date.now() + 4 * 365 * 24 * 3600_000);
      assert.equal(statSync(join(dir, 'pki/ca.key')).mode & 0o777, 0o600);
      assert.equal(await handshake(c.serverCert, c.serverKey, c.caCert, 'localhost'), 200);
      assert.equal(await handshake(c.serverCert, c.serverKey, c.caCert, 'kubernetes.default.svc'), 200);
      await assert.rejects(handshake(c.serverCert, c.serverKey, c.caCert, 'example.com'), /altnames/);
      // Generous bound for a loaded 2-core machine; RSA-2048 generation alone took 0.1–1 s.
      assert.ok(ms < 500, `took ${ms} ms`);
      // A second call reads the same files back.
      const again = await ensureCredentials(dir, ['10.96.0.1']);
      assert.equal(again.serverCert, c.serverCert);
      assert.equal(again.token, c.token);
      // A new service IP re-issues only the serving certificate, under the same CA.
      const moved = await ensureCredentials(dir, ['10.97.0.1']);
      assert.equal(moved.caCert, c.caCert);
      assert.notEqual(moved.serverCert, c.serverCert);
      assert.ok(new X509Certificate(moved.serverCert).subjectAltName?.includes('IP Address:10.97.0.1'));
      assert.ok(issued(moved.serverCert, c.caCert));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an RSA CA of an older data dir still signs a re-issued serving certificate', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const caPem = createCertificate({ publicKey: rsa.publicKey, signingKey: rsa.privateKey, commonName: 'skiff-ca', serial: randomBytes(16), notBefore: new Date(), notAfter: new Date(Date.now() + 86400_000), ca: true });
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const leaf = createCertificate({ publicKey: ec.publicKey, signingKey: rsa.privateKey, issuer: { certDer: new X509Certificate(caPem).raw }, commonName: 'kube-apiserver', serial: randomBytes(16), notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86400_000), dnsNames: ['localhost'], ips: ['127.0.0.1'], serverAuth: true });
    assert.ok(issued(leaf, caPem));
    assert.equal(await handshake(leaf, ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString(), caPem, 'localhost'), 200);
  });

  it('reads the subject of a certificate as exact DER', () => {
    const kp = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = createCertificate({ publicKey: kp.publicKey, signingKey: kp.privateKey, commonName: 'a-name', serial: Buffer.alloc(16, 0xff), notBefore: new Date(), notAfter: new Date('2060-01-01T00:00:00Z'), ca: true });
    const der = new X509Certificate(pem).raw;
    const subject = subjectDer(der);
    assert.equal(subject[0], 0x30);
    assert.ok(subject.includes(Buffer.from('a-name')));
    // Dates after 2049 are GeneralizedTime and round-trip.
    assert.equal(new Date(new X509Certificate(pem).validTo).toISOString(), '2060-01-01T00:00:00.000Z');
  });
});
