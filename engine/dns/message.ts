/**
 * DNS wire format (RFC 1035, with SRV from RFC 2782 and the EDNS(0) OPT pseudo-record from
 * RFC 6891): decode a query, encode an answer. Names are compressed on output and decompressed on
 * input (with a hop limit, so a malicious pointer loop cannot hang the server). Records whose type
 * we do not model keep their RDATA as raw bytes, so forwarded or unknown data round-trips.
 *
 * Only what cluster DNS needs — no DNSSEC, no zone transfers.
 */

export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  ANY: 255,
} as const;

export const CLASS_IN = 1;

export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;

export const OPCODE_QUERY = 0;

export interface Flags {
  /** Response (1) or query (0). */
  qr: boolean;
  opcode: number;
  /** Authoritative answer. */
  aa: boolean;
  /** Truncated. */
  tc: boolean;
  /** Recursion desired. */
  rd: boolean;
  /** Recursion available. */
  ra: boolean;
  rcode: number;
}

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

/** A → dotted quad; AAAA → 16 raw bytes as a Buffer; CNAME/PTR/NS → a name; others raw. */
export type RecordData = string | SrvData | SoaData | string[] | Buffer;

export interface ResourceRecord {
  name: string;
  type: number;
  /** For OPT: the requester's UDP payload size. */
  class: number;
  /** For OPT: extended rcode and flags. */
  ttl: number;
  data: RecordData;
}

export interface Message {
  id: number;
  flags: Flags;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

export class DnsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnsFormatError';
  }
}

// ---- decode ------------------------------------------------------------------------------------

export function decode(buf: Buffer): Message {
  if (buf.length < 12) throw new DnsFormatError('message shorter than its header');
  const id = buf.readUInt16BE(0);
  const f = buf.readUInt16BE(2);
  const counts = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)];
  let off = 12;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const [name, next] = readName(buf, off);
    if (next + 4 > buf.length) throw new DnsFormatError('truncated question');
    questions.push({ name, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2) });
    off = next + 4;
  }
  const sections: ResourceRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]; i++) {
      const [rr, next] = readRecord(buf, off);
      sections[s].push(rr);
      off = next;
    }
  }
  return {
    id,
    flags: {
      qr: (f & 0x8000) !== 0,
      opcode: (f >> 11) & 0xf,
      aa: (f & 0x0400) !== 0,
      tc: (f & 0x0200) !== 0,
      rd: (f & 0x0100) !== 0,
      ra: (f & 0x0080) !== 0,
      rcode: f & 0xf,
    },
    questions,
    answers: sections[0],
    authorities: sections[1],
    additionals: sections[2],
  };
}

function readName(buf: Buffer, start: number): [string, number] {
  const labels: string[] = [];
  let off = start;
  let end = -1;
  let hops = 0;
  let length = 0;
  for (;;) {
    if (off >= buf.length) throw new DnsFormatError('name runs past the message');
    const len = buf[off];
    if ((len & 0xc0) === 0xc0) {
      if (off + 1 >= buf.length) throw new DnsFormatError('truncated compression pointer');
      if (++hops > 64) throw new DnsFormatError('compression pointer loop');
      if (end < 0) end = off + 2;
      off = ((len & 0x3f) << 8) | buf[off + 1];
      continue;
    }
    if ((len & 0xc0) !== 0) throw new DnsFormatError('unsupported label type');
    if (len === 0) {
      if (end < 0) end = off + 1;
      break;
    }
    if (off + 1 + len > buf.length) throw new DnsFormatError('label runs past the message');
    length += len + 1;
    if (length > 255) throw new DnsFormatError('name longer than 255 octets');
    labels.push(escapeLabel(buf.subarray(off + 1, off + 1 + len)));
    off += 1 + len;
  }
  return [labels.join('.'), end];
}

/** Dots and backslashes inside a label are escaped, so "a\.b" stays one label. */
function escapeLabel(b: Buffer): string {
  let s = '';
  for (const c of b) {
    if (c === 0x2e || c === 0x5c) s += '\\' + String.fromCharCode(c);
    else if (c < 0x21 || c > 0x7e) s += '\\' + String(c).padStart(3, '0');
    else s += String.fromCharCode(c);
  }
  return s;
}

function readRecord(buf: Buffer, start: number): [ResourceRecord, number] {
  const [name, off] = readName(buf, start);
  if (off + 10 > buf.length) throw new DnsFormatError('truncated record header');
  const type = buf.readUInt16BE(off);
  const cls = buf.readUInt16BE(off + 2);
  const ttl = buf.readUInt32BE(off + 4);
  const rdlen = buf.readUInt16BE(off + 8);
  const rdStart = off + 10;
  const rdEnd = rdStart + rdlen;
  if (rdEnd > buf.length) throw new DnsFormatError('truncated record data');
  let data: RecordData;
  switch (type) {
    case TYPE.A:
      if (rdlen !== 4) throw new DnsFormatError('A record of wrong length');
      data = `${buf[rdStart]}.${buf[rdStart + 1]}.${buf[rdStart + 2]}.${buf[rdStart + 3]}`;
      break;
    case TYPE.CNAME:
    case TYPE.PTR:
    case TYPE.NS:
      data = readName(buf, rdStart)[0];
      break;
    case TYPE.SRV: {
      if (rdlen < 7) throw new DnsFormatError('SRV record too short');
      data = { priority: buf.readUInt16BE(rdStart), weight: buf.readUInt16BE(rdStart + 2), port: buf.readUInt16BE(rdStart + 4), target: readName(buf, rdStart + 6)[0] };
      break;
    }
    case TYPE.SOA: {
      const [mname, o1] = readName(buf, rdStart);
      const [rname, o2] = readName(buf, o1);
      if (o2 + 20 > rdEnd) throw new DnsFormatError('SOA record too short');
      data = { mname, rname, serial: buf.readUInt32BE(o2), refresh: buf.readUInt32BE(o2 + 4), retry: buf.readUInt32BE(o2 + 8), expire: buf.readUInt32BE(o2 + 12), minimum: buf.readUInt32BE(o2 + 16) };
      break;
    }
    case TYPE.TXT: {
      const parts: string[] = [];
      let p = rdStart;
      while (p < rdEnd) {
        const l = buf[p];
        parts.push(buf.subarray(p + 1, Math.min(rdEnd, p + 1 + l)).toString('latin1'));
        p += 1 + l;
      }
      data = parts;
      break;
    }
    default:
      data = Buffer.from(buf.subarray(rdStart, rdEnd));
  }
  return [{ name, type, class: cls, ttl, data }, rdEnd];
}

// ---- encode ------------------------------------------------------------------------------------

class Writer {
  private buf = Buffer.alloc(512);
  len = 0;
  /** Lower-cased name suffix → offset, for compression pointers. */
  private readonly names = new Map<string, number>();

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = Buffer.alloc(size);
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.len);
    this.len += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  setU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v & 0xffff, at);
  }

  name(name: string, compress = true): void {
    const labels = splitName(name);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels
        .slice(i)
        .map((l) => l.toString('latin1').toLowerCase())
        .join('.');
      const at = compress ? this.names.get(suffix) : undefined;
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.len < 0x3fff) this.names.set(suffix, this.len);
      this.u8(labels[i].length);
      this.bytes(labels[i]);
    }
    this.u8(0);
  }

  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

/** A presentation-format name → wire labels (handles `\.` and `\DDD` escapes). */
export function splitName(name: string): Buffer[] {
  const n = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name;
  if (n === '') return [];
  const labels: Buffer[] = [];
  let cur: number[] = [];
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (c === 0x5c && i + 1 < n.length) {
      const d = /^\d{3}/.exec(n.slice(i + 1));
      if (d) {
        cur.push(Number(d[0]) & 0xff);
        i += 3;
      } else {
        cur.push(n.charCodeAt(++i));
      }
    } else if (c === 0x2e) {
      labels.push(Buffer.from(cur));
      cur = [];
    } else cur.push(c & 0xff);
  }
  labels.push(Buffer.from(cur));
  for (const l of labels) if (l.length === 0 || l.length > 63) throw new DnsFormatError(`bad label in ${name}`);
  return labels;
}

function writeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  const lenAt = w.len;
  w.u16(0);
  const start = w.len;
  const d = rr.data;
  if (Buffer.isBuffer(d)) w.bytes(d);
  else if (rr.type === TYPE.A && typeof d === 'string') for (const p of d.split('.')) w.u8(Number(p));
  else if ((rr.type === TYPE.CNAME || rr.type === TYPE.PTR || rr.type === TYPE.NS) && typeof d === 'string') w.name(d);
  else if (rr.type === TYPE.SRV && typeof d === 'object' && 'target' in d) {
    w.u16(d.priority);
    w.u16(d.weight);
    w.u16(d.port);
    // RFC 2782: the target is not compressed.
    w.name(d.target, false);
  } else if (rr.type === TYPE.SOA && typeof d === 'object' && 'mname' in d) {
    w.name(d.mname);
    w.name(d.rname);
    w.u32(d.serial);
    w.u32(d.refresh);
    w.u32(d.retry);
    w.u32(d.expire);
    w.u32(d.minimum);
  } else if (rr.type === TYPE.TXT && Array.isArray(d)) {
    for (const s of d) {
      const b = Buffer.from(s, 'latin1').subarray(0, 255);
      w.u8(b.length);
      w.bytes(b);
    }
  } else throw new DnsFormatError(`cannot encode record of type ${rr.type}`);
  w.setU16(lenAt, w.len - start);
}

export interface EncodeOptions {
  /**
   * Largest message allowed (UDP: 512, or the EDNS payload size). When the full answer is
   * larger, records are dropped from the end and TC is set (the client retries over TCP).
   */
  maxSize?: number;
}

export function encode(msg: Message, opts: EncodeOptions = {}): Buffer {
  const full = encodeAll(msg);
  if (!opts.maxSize || full.length <= opts.maxSize) return full;
  // Truncate: keep the question and as many answers as fit, keep OPT, set TC (RFC 2181 §9).
  const opt = msg.additionals.filter((r) => r.type === TYPE.OPT);
  let answers = msg.answers.slice();
  for (;;) {
    const m: Message = { ...msg, flags: { ...msg.flags, tc: true }, answers, authorities: [], additionals: opt };
    const b = encodeAll(m);
    if (b.length <= opts.maxSize || answers.length === 0) return b;
    answers = answers.slice(0, answers.length - 1);
  }
}

function encodeAll(msg: Message): Buffer {
  const w = new Writer();
  w.u16(msg.id);
  const f = msg.flags;
  w.u16((f.qr ? 0x8000 : 0) | ((f.opcode & 0xf) << 11) | (f.aa ? 0x0400 : 0) | (f.tc ? 0x0200 : 0) | (f.rd ? 0x0100 : 0) | (f.ra ? 0x0080 : 0) | (f.rcode & 0xf));
  w.u16(msg.questions.length);
  w.u16(msg.answers.length);
  w.u16(msg.authorities.length);
  w.u16(msg.additionals.length);
  for (const q of msg.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const rr of msg.answers) writeRecord(w, rr);
  for (const rr of msg.authorities) writeRecord(w, rr);
  for (const rr of msg.additionals) writeRecord(w, rr);
  return w.done();
}

/** A query message (tests, benchmarks, upstream probes). */
export function query(id: number, name: string, type: number, rd = true): Buffer {
  return encode({
    id,
    flags: { qr: false, opcode: OPCODE_QUERY, aa: false, tc: false, rd, ra: false, rcode: 0 },
    questions: [{ name, type, class: CLASS_IN }],
    answers: [],
    authorities: [],
    additionals: [],
  });
}

export function typeName(t: number): string {
  for (const [k, v] of Object.entries(TYPE)) if (v === t) return k;
  return `TYPE${t}`;
}
