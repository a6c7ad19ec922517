// The generated pause ELF and its rootfs tar, without Docker.
// `npx tsx --test engine/kubelet/runtime/pause.test.ts`
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pauseArchFor, pauseElf, pauseHash, pauseRootfsTar } from './pause.js';

test('ELF headers: static executable, one R+X load segment, entry after the headers', () => {
  for (const [arch, machine] of [
    ['amd64', 62],
    ['arm64', 183],
  ] as const) {
    const f = pauseElf(arch);
    assert.equal(f.subarray(0, 4).toString('latin1'), '\x7fELF');
    assert.equal(f.readUInt16LE(16), 2, 'ET_EXEC');
    assert.equal(f.readUInt16LE(18), machine);
    assert.equal(f.readUInt16LE(56), 2, 'two program headers');
    assert.equal(f.readUInt32LE(64), 1, 'PT_LOAD');
    assert.equal(f.readUInt32LE(68), 5, 'R+X');
    assert.equal(f.readBigUInt64LE(96), BigInt(f.length), 'filesz = whole file');
    assert.equal(f.readUInt32LE(120), 0x6474e551, 'PT_GNU_STACK');
    assert.equal(f.readBigUInt64LE(24), 0x400000n + 176n, 'entry');
    assert.ok(f.length < 400, `${arch}: ${f.length} bytes`);
    // No PT_INTERP: nothing to load at run time.
    for (let i = 0; i < 2; i++) assert.notEqual(f.readUInt32LE(64 + i * 56), 3);
  }
  assert.notEqual(pauseHash('amd64'), pauseHash('arm64'));
  assert.equal(pauseArchFor('x86_64'), 'amd64');
  assert.equal(pauseArchFor('aarch64'), 'arm64');
  assert.equal(pauseArchFor('s390x'), undefined);
});

test('arm64 branches land on instruction boundaries inside the code', () => {
  const code = pauseElf('arm64').subarray(176);
  for (let off = 0; off < code.length; off += 4) {
    const insn = code.readUInt32LE(off);
    let delta: number | undefined;
    if ((insn & 0xff000010) === 0x54000000) delta = ((insn >> 5) & 0x7ffff) << 13 >> 11; // b.cond imm19
    if ((insn & 0xfc000000) === 0x14000000) delta = (insn & 0x3ffffff) << 6 >> 4; // b imm26
    if (delta !== undefined) {
      const to = off + delta;
      assert.ok(to >= 0 && to < code.length && to % 4 === 0, `branch at ${off} to ${to}`);
    }
  }
});

test('rootfs tar: one ustar entry "pause", 0755, valid checksum, padded', () => {
  const elf = pauseElf('amd64');
  const tar = pauseRootfsTar(elf);
  assert.equal(tar.length % 512, 0);
  const h = tar.subarray(0, 512);
  assert.equal(h.toString('latin1', 0, 5), 'pause');
  assert.equal(parseInt(h.toString('latin1', 100, 107), 8), 0o755);
  assert.equal(parseInt(h.toString('latin1', 124, 135), 8), elf.length);
  assert.equal(h.toString('latin1', 257, 262), 'ustar');
  const stored = parseInt(h.toString('latin1', 148, 154), 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
  assert.equal(stored, sum);
  assert.deepEqual(tar.subarray(512, 512 + elf.length), elf);
  assert.ok(tar.subarray(-1024).every((b) => b === 0), 'end-of-archive blocks');
});

test('runs here (x86-64 Linux): waits, exits 0 on SIGTERM and SIGINT', { skip: process.platform !== 'linux' || process.arch !== 'x64' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-pause-'));
  try {
    const bin = join(dir, 'pause');
    writeFileSync(bin, pauseElf('amd64'), { mode: 0o755 });
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const p = spawn(bin, [], { stdio: 'ignore' });
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => p.on('exit', (code, s) => r([code, s])));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(p.exitCode, null, 'still running');
      p.kill('SIGCHLD'); // reaps nothing, keeps waiting
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(p.exitCode, null, 'SIGCHLD does not stop it');
      p.kill(sig);
      assert.deepEqual(await exited, [0, null]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
