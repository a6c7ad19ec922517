import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dockerOptionsFor } from './docker-host.js';

describe('Docker endpoints (DOCKER_HOST style)', () => {
  it('unix sockets and tcp, with TLS like DOCKER_TLS_VERIFY/DOCKER_CERT_PATH', () => {
    assert.deepEqual(dockerOptionsFor('unix:///tmp/d2/docker.sock'), { socketPath: '/tmp/d2/docker.sock' });
    assert.deepEqual(dockerOptionsFor('tcp://10.0.0.5:2375'), { host: '10.0.0.5', port: 2375, protocol: 'http' });
    assert.deepEqual(dockerOptionsFor('tcp://docker.lan'), { host: 'docker.lan', port: 2375, protocol: 'http' });
    const read = (p: string) => Buffer.from(p);
    const tls = dockerOptionsFor('tcp://docker.lan', { verify: true, certPath: '/certs' }, read);
    assert.equal(tls.protocol, 'https');
    assert.equal(tls.port, 2376);
    assert.equal(String(tls.ca), '/certs/ca.pem');
    assert.equal(String(tls.cert), '/certs/cert.pem');
    assert.equal(String(tls.key), '/certs/key.pem');
    assert.throws(() => dockerOptionsFor('ssh://me@host'), /unsupported Docker endpoint/);
  });
});
