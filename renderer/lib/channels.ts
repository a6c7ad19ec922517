/**
 * The Kubernetes streaming channel protocol over WebSocket (`v5.channel.k8s.io`, also v4):
 * every binary frame starts with one channel byte — 0 stdin, 1 stdout, 2 stderr, 3 status
 * (error), 4 resize; v5 adds 255 = close a channel. No imports: unit-tested under Node too.
 */
export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const STATUS = 3;
export const RESIZE = 4;
export const CLOSE = 255;

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

const enc = new TextEncoder();

export function frame(channel: number, data: Uint8Array | string): Uint8Array {
  const body = typeof data === 'string' ? enc.encode(data) : data;
  const out = new Uint8Array(body.length + 1);
  out[0] = channel;
  out.set(body, 1);
  return out;
}

export function resizeFrame(cols: number, rows: number): Uint8Array {
  return frame(RESIZE, JSON.stringify({ Width: cols, Height: rows }));
}

/** v5 only: tells the server stdin is finished. */
export function closeStdinFrame(): Uint8Array {
  return new Uint8Array([CLOSE, STDIN]);
}

export function parseFrame(data: ArrayBuffer | Uint8Array): { channel: number; payload: Uint8Array } | undefined {
  const u = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (u.length === 0) return undefined;
  return { channel: u[0], payload: u.subarray(1) };
}

/**
 * The status channel carries a metav1.Status: Success, or Failure with an exit code cause.
 * Returns the exit code (0 on success) and a message.
 */
export function parseExitStatus(text: string): { code: number; message: string } {
  try {
    const s = JSON.parse(text) as { status?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } };
    if (s.status === 'Success') return { code: 0, message: '' };
    const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = cause?.message !== undefined ? Number(cause.message) : 1;
    return { code: Number.isFinite(code) ? code : 1, message: s.message ?? '' };
  } catch {
    return { code: 1, message: text };
  }
}
