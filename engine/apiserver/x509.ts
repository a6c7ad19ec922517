/**
 * A minimal X.509 v3 certificate builder on Node's native crypto: just enough DER to issue the
 * cluster CA and the API server's serving certificate. It replaces node-forge, which could only
 * sign with RSA keys (slow to generate: a first start spent most of its time there) and cost
 * ~100 ms to load. With this, keys are EC P-256 (what kubeadm issues with
 * `--encryption-algorithm=ECDSA-P256`), generated in about a millisecond; an existing RSA CA
 * (data dirs from earlier versions) can still sign, so old data dirs keep working.
 *
 * Only the encodings used here are implemented (RFC 5280 subset; DER, definite lengths).
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';

// ---- DER ----------------------------------------------------------------------------------

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV: tag byte, definite length, contents. */
export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}

const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);
const octets = (b: Buffer) => tlv(0x04, b);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bitString = (b: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), b);
const explicit = (n: number, inner: Buffer) => tlv(0xa0 + n, inner);

function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && b[i + 1] < 0x80) i++;
  const v = b.subarray(i);
  return tlv(0x02, v[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const chunk = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime up to 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString(); // 2026-11-22T18:51:20.123Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z'; // 20261122185120Z
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}

/** Reads one TLV at `off`: where its contents start and end. */
function readTlv(der: Buffer, off: number): { tag: number; start: number; end: number } {
  const tag = der[off];
  let n = der[off + 1];
  let start = off + 2;
  if (n & 0x80) {
    const k = n & 0x7f;
    n = 0;
    for (let i = 0; i < k; i++) n = n * 256 + der[start + i];
    start += k;
  }
  return { tag, start, end: start + n };
}

/**
 * The subject Name of a certificate, as its exact DER bytes: a child's issuer must match its
 * CA's subject byte for byte, whoever encoded the CA (forge-made CAs of older data dirs too).
 */
export function subjectDer(certDer: Buffer): Buffer {
  const cert = readTlv(certDer, 0);
  const tbs = readTlv(certDer, cert.start);
  let off = tbs.start;
  // version [0] (optional), serial, signature, issuer, validity, then subject.
  if (certDer[off] === 0xa0) off = readTlv(certDer, off).end;
  for (let i = 0; i < 4; i++) off = readTlv(certDer, off).end;
  return certDer.subarray(off, readTlv(certDer, off).end);
}

// ---- certificates -------------------------------------------------------------------------

const OID = {
  commonName: '2.5.4.3',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** `CN=<name>` as a Name. */
export function nameDer(commonName: string): Buffer {
  return seq(set(seq(oid(OID.commonName), utf8(commonName))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

/** Key usage bits, in RFC 5280 order: digitalSignature(0) … cRLSign(6). */
function keyUsage(bits: number[]): Buffer {
  let v = 0;
  for (const b of bits) v |= 0x80 >> b;
  let unused = 0;
  while (unused < 7 && !(v & (1 << unused))) unused++;
  return bitString(Buffer.from([v]), unused);
}

/** SHA-1 of the subjectPublicKey bits, the usual key identifier (RFC 5280 §4.2.1.2 method 1). */
function keyId(spki: Buffer): Buffer {
  const outer = readTlv(spki, 0);
  const alg = readTlv(spki, outer.start);
  const bits = readTlv(spki, alg.end);
  return createHash('sha1').update(spki.subarray(bits.start + 1, bits.end)).digest();
}

function signatureAlgorithm(key: KeyObject): { der: Buffer; digest: string } {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return { der: seq(oid(OID.ecdsaWithSHA256)), digest: 'sha256' };
    case 'rsa':
      return { der: seq(oid(OID.sha256WithRSA), tlv(0x05)), digest: 'sha256' };
    default:
      throw new Error(`unsupported signing key type ${key.asymmetricKeyType}`);
  }
}

export interface CertificateSpec {
  /** Public key of the subject. */
  publicKey: KeyObject;
  commonName: string;
  /** 16 random bytes; made positive here. */
  serial: Buffer;
  notBefore: Date;
  notAfter: Date;
  ca?: boolean;
  /** Subject alternative names: DNS names and IPv4 addresses. */
  dnsNames?: string[];
  ips?: string[];
  serverAuth?: boolean;
  clientAuth?: boolean;
  /** The issuer; omitted = self-signed with `signingKey`. */
  issuer?: { certDer: Buffer };
  signingKey: KeyObject;
}

/** Builds and signs a certificate; returns it as PEM. */
export function createCertificate(s: CertificateSpec): string {
  const spki = s.publicKey.export({ type: 'spki', format: 'der' });
  const serial = Buffer.from(s.serial);
  serial[0] = (serial[0] & 0x7f) | 0x40; // positive, and no leading zero byte to strip
  const alg = signatureAlgorithm(s.signingKey);
  const subject = nameDer(s.commonName);
  const issuer = s.issuer ? subjectDer(s.issuer.certDer) : subject;
  const exts: Buffer[] = [];
  if (s.ca) {
    exts.push(extension(OID.basicConstraints, true, seq(bool(true))));
    exts.push(extension(OID.keyUsage, true, keyUsage([0, 5, 6]))); // digitalSignature, keyCertSign, cRLSign
    exts.push(extension(OID.subjectKeyIdentifier, false, octets(keyId(spki))));
  } else {
    exts.push(extension(OID.basicConstraints, true, seq()));
    exts.push(extension(OID.keyUsage, true, keyUsage([0, 2]))); // digitalSignature, keyEncipherment
    const eku = [...(s.serverAuth ? [oid(OID.serverAuth)] : []), ...(s.clientAuth ? [oid(OID.clientAuth)] : [])];
    if (eku.length) exts.push(extension(OID.extKeyUsage, false, seq(...eku)));
  }
  const names = [...(s.dnsNames ?? []).map((d) => tlv(0x82, Buffer.from(d, 'ascii'))), ...(s.ips ?? []).map(ipName)];
  if (names.length) exts.push(extension(OID.subjectAltName, false, seq(...names)));
  const tbs = seq(explicit(0, integer(Buffer.from([2]))), integer(serial), alg.der, issuer, seq(time(s.notBefore), time(s.notAfter)), subject, spki, explicit(3, seq(...exts)));
  const signature = sign(alg.digest, tbs, s.signingKey);
  const der = seq(tbs, alg.der, bitString(signature));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
}

function ipName(ip: string): Buffer {
  if (!isIPv4(ip)) throw new Error(`only IPv4 SANs are supported: ${ip}`);
  return tlv(0x87, Buffer.from(ip.split('.').map(Number)));
}
