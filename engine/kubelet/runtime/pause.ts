/**
 * Skiff's pod sandbox ("pause") program, generated here as machine code so the sandbox image can
 * be built on any machine with no compiler and no registry (ARCHITECTURE §6). It is what
 * Kubernetes' pause.c does, in ~150 bytes of x86-64 or AArch64:
 *
 *   block SIGINT, SIGTERM, SIGCHLD           rt_sigprocmask(SIG_BLOCK, {INT,TERM,CHLD})
 *   loop: sig = sigtimedwait(that set)       rt_sigtimedwait(set, NULL, NULL, 8)
 *         SIGCHLD → reap every exited child   wait4(-1, NULL, WNOHANG) until ≤ 0
 *         SIGINT/SIGTERM → exit(0)            exit_group(0)
 *         error (EINTR) → loop
 *
 * Why blocking + sigtimedwait instead of handlers: PID 1 of a PID namespace ignores every signal
 * it has no handler for, so `docker stop` would wait the whole grace period; but a *blocked*
 * signal is never ignored — it stays pending until sigtimedwait takes it (tini does the same).
 * No handler means no signal frame and no sa_restorer (which x86-64 requires), so the code stays
 * the same shape on both architectures. Reaping matters when containers share the sandbox's PID
 * namespace (`shareProcessNamespace`): orphans are re-parented to us.
 *
 * The ELF: 64-byte header, two program headers (one R+X PT_LOAD mapping the whole file at
 * 0x400000, aligned for 64 KiB pages; a PT_GNU_STACK asking for a non-executable stack), code.
 * Encodings were checked with `llvm-mc -show-encoding` and `llvm-objdump -d`.
 */
import { createHash } from 'node:crypto';

/** Bump when the program changes; the image tag is `skiff/pause:<PAUSE_VERSION>`. */
export const PAUSE_VERSION = '1';
export const PAUSE_REPOSITORY = 'skiff/pause';
/** Label on the image: hash of the ELF, so a stale image with the same tag is rebuilt. */
export const PAUSE_HASH_LABEL = 'io.skiff.pause.hash';

export type PauseArch = 'amd64' | 'arm64';

// Signal mask bits (signal n is bit n-1): SIGINT=2, SIGTERM=15, SIGCHLD=17 on both arches.
const MASK = (1 << 1) | (1 << 14) | (1 << 16); // 0x14002

type Item = { bytes: number[] } | { label: string } | { branch: (from: number, to: number) => number[]; size: number; target: string };

function assemble(items: Item[]): Buffer {
  const at = new Map<string, number>();
  let pc = 0;
  for (const it of items) {
    if ('label' in it) at.set(it.label, pc);
    else pc += 'bytes' in it ? it.bytes.length : it.size;
  }
  const out: number[] = [];
  for (const it of items) {
    if ('bytes' in it) out.push(...it.bytes);
    else if ('branch' in it) {
      const to = at.get(it.target);
      if (to === undefined) throw new Error(`pause: no label ${it.target}`);
      out.push(...it.branch(out.length, to));
    }
  }
  return Buffer.from(out);
}

// x86-64 -------------------------------------------------------------------------------------
const x = (...bytes: number[]): Item => ({ bytes });
const jcc8 = (opcode: number, target: string): Item => ({
  size: 2,
  target,
  branch: (from, to) => {
    const rel = to - (from + 2);
    if (rel < -128 || rel > 127) throw new Error('pause: rel8 out of range');
    return [opcode, rel & 0xff];
  },
});

function codeAmd64(): Buffer {
  return assemble([
    x(0x68, MASK & 0xff, (MASK >> 8) & 0xff, (MASK >> 16) & 0xff, 0x00), // push MASK (the sigset, 8 bytes)
    x(0x48, 0x89, 0xe6), //                       mov rsi, rsp        set
    x(0x31, 0xff), //                             xor edi, edi        SIG_BLOCK
    x(0x31, 0xd2), //                             xor edx, edx        oldset = NULL
    x(0x41, 0xba, 8, 0, 0, 0), //                 mov r10d, 8         sigsetsize
    x(0xb8, 14, 0, 0, 0), //                      mov eax, 14         rt_sigprocmask
    x(0x0f, 0x05), //                             syscall
    { label: 'wait' },
    x(0x48, 0x89, 0xe7), //                       mov rdi, rsp        set
    x(0x31, 0xf6), //                             xor esi, esi        info = NULL
    x(0x31, 0xd2), //                             xor edx, edx        timeout = NULL (forever)
    x(0x41, 0xba, 8, 0, 0, 0), //                 mov r10d, 8
    x(0xb8, 128, 0, 0, 0), //                     mov eax, 128        rt_sigtimedwait
    x(0x0f, 0x05), //                             syscall
    x(0x83, 0xf8, 17), //                         cmp eax, SIGCHLD
    jcc8(0x75, 'notchld'), //                     jne notchld
    { label: 'reap' },
    x(0x48, 0x83, 0xcf, 0xff), //                 or rdi, -1          pid = -1 (any child)
    x(0x31, 0xf6), //                             xor esi, esi        status = NULL
    x(0xba, 1, 0, 0, 0), //                       mov edx, 1          WNOHANG
    x(0x45, 0x31, 0xd2), //                       xor r10d, r10d      rusage = NULL
    x(0xb8, 61, 0, 0, 0), //                      mov eax, 61         wait4
    x(0x0f, 0x05), //                             syscall
    x(0x85, 0xc0), //                             test eax, eax
    jcc8(0x7f, 'reap'), //                        jg reap             reaped one: try again
    jcc8(0xeb, 'wait'), //                        jmp wait            none left (0) or ECHILD
    { label: 'notchld' },
    x(0x85, 0xc0), //                             test eax, eax
    jcc8(0x78, 'wait'), //                        js wait             -EINTR etc.
    x(0x31, 0xff), //                             xor edi, edi        status 0
    x(0xb8, 231, 0, 0, 0), //                     mov eax, 231        exit_group
    x(0x0f, 0x05), //                             syscall
  ]);
}

// AArch64 (little-endian, 4-byte instructions) ---------------------------------------------------
const w = (insn: number): Item => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(insn >>> 0);
  return { bytes: [...b] };
};
const movz = (rd: number, imm16: number, hw = 0): Item => w(0xd2800000 | (hw << 21) | (imm16 << 5) | rd);
const movk = (rd: number, imm16: number, hw: number): Item => w(0xf2800000 | (hw << 21) | (imm16 << 5) | rd);
const svc0 = (): Item => w(0xd4000001);
const cmpW0 = (imm12: number): Item => w(0x7100001f | (imm12 << 10)); // subs wzr, w0, #imm
const movSp = (rd: number): Item => w(0x910003e0 | rd); // add xd, sp, #0
const le = (insn: number): number[] => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(insn >>> 0);
  return [...b];
};
const bcond = (cond: number, target: string): Item => ({
  size: 4,
  target,
  branch: (from, to) => le(0x54000000 | ((((to - from) >> 2) & 0x7ffff) << 5) | cond),
});
const b = (target: string): Item => ({
  size: 4,
  target,
  branch: (from, to) => le(0x14000000 | (((to - from) >> 2) & 0x3ffffff)),
});
const NE = 0x1;
const GT = 0xc;
const LT = 0xb;

function codeArm64(): Buffer {
  return assemble([
    movz(0, MASK & 0xffff), //                    mov x0, #0x4002
    movk(0, MASK >> 16, 1), //                    movk x0, #0x1, lsl #16
    w(0xf81f0fe0), //                             str x0, [sp, #-16]!  (the sigset)
    movz(0, 0), //                                x0 = SIG_BLOCK
    movSp(1), //                                  x1 = sp (set)
    movz(2, 0), //                                x2 = NULL
    movz(3, 8), //                                x3 = sigsetsize
    movz(8, 135), //                              rt_sigprocmask
    svc0(),
    { label: 'wait' },
    movSp(0), //                                  x0 = set
    movz(1, 0), //                                info = NULL
    movz(2, 0), //                                timeout = NULL
    movz(3, 8),
    movz(8, 137), //                              rt_sigtimedwait
    svc0(),
    cmpW0(17), //                                 SIGCHLD?
    bcond(NE, 'notchld'),
    { label: 'reap' },
    w(0x92800000), //                             movn x0, #0  (-1: any child)
    movz(1, 0),
    movz(2, 1), //                                WNOHANG
    movz(3, 0),
    movz(8, 260), //                              wait4
    svc0(),
    cmpW0(0),
    bcond(GT, 'reap'),
    b('wait'),
    { label: 'notchld' },
    cmpW0(0),
    bcond(LT, 'wait'), //                         -EINTR etc.
    movz(0, 0),
    movz(8, 94), //                               exit_group
    svc0(),
  ]);
}

const BASE = 0x400000n;
const EHDR = 64;
const PHDR = 56;

/** The complete static ELF executable for `arch`. */
export function pauseElf(arch: PauseArch): Buffer {
  const code = arch === 'amd64' ? codeAmd64() : codeArm64();
  const headers = EHDR + 2 * PHDR;
  const size = headers + code.length;
  const f = Buffer.alloc(size);
  // ELF header
  f.write('\x7fELF', 0, 'latin1');
  f[4] = 2; // 64-bit
  f[5] = 1; // little-endian
  f[6] = 1; // ELF version
  f.writeUInt16LE(2, 16); // ET_EXEC
  f.writeUInt16LE(arch === 'amd64' ? 62 : 183, 18); // EM_X86_64 / EM_AARCH64
  f.writeUInt32LE(1, 20);
  f.writeBigUInt64LE(BASE + BigInt(headers), 24); // entry
  f.writeBigUInt64LE(BigInt(EHDR), 32); // phoff
  f.writeBigUInt64LE(0n, 40); // no section headers
  f.writeUInt32LE(0, 48);
  f.writeUInt16LE(EHDR, 52);
  f.writeUInt16LE(PHDR, 54);
  f.writeUInt16LE(2, 56);
  f.writeUInt16LE(64, 58);
  f.writeUInt16LE(0, 60);
  f.writeUInt16LE(0, 62);
  // PT_LOAD: the whole file, R+X
  let p = EHDR;
  f.writeUInt32LE(1, p);
  f.writeUInt32LE(5, p + 4);
  f.writeBigUInt64LE(0n, p + 8);
  f.writeBigUInt64LE(BASE, p + 16);
  f.writeBigUInt64LE(BASE, p + 24);
  f.writeBigUInt64LE(BigInt(size), p + 32);
  f.writeBigUInt64LE(BigInt(size), p + 40);
  f.writeBigUInt64LE(0x10000n, p + 48);
  // PT_GNU_STACK: RW, not executable
  p += PHDR;
  f.writeUInt32LE(0x6474e551, p);
  f.writeUInt32LE(6, p + 4);
  f.writeBigUInt64LE(16n, p + 48);
  code.copy(f, headers);
  return f;
}

/** A one-file ustar archive: `/pause`, mode 0755, owned by root, mtime 0 (reproducible). */
export function pauseRootfsTar(elf: Buffer): Buffer {
  const h = Buffer.alloc(512);
  const field = (s: string, off: number, len: number) => h.write(s, off, len, 'latin1');
  const octal = (n: number, off: number, len: number) => field(n.toString(8).padStart(len - 1, '0') + '\0', off, len);
  field('pause', 0, 100);
  octal(0o755, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(elf.length, 124, 12);
  octal(0, 136, 12);
  field('        ', 148, 8); // checksum is computed with this field as spaces
  field('0', 156, 1); // regular file
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  field('root', 265, 32);
  field('root', 297, 32);
  let sum = 0;
  for (const byte of h) sum += byte;
  field(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  const pad = Buffer.alloc((512 - (elf.length % 512)) % 512);
  return Buffer.concat([h, elf, pad, Buffer.alloc(1024)]);
}

export function pauseHash(arch: PauseArch): string {
  return createHash('sha256').update(pauseElf(arch)).digest('hex').slice(0, 16);
}

/** Docker/uname architecture → the pause flavour, or undefined if we have no code for it. */
export function pauseArchFor(arch: string): PauseArch | undefined {
  if (arch === 'x86_64' || arch === 'amd64') return 'amd64';
  if (arch === 'aarch64' || arch === 'arm64') return 'arm64';
  return undefined;
}
