/**
 * Serves the built renderer (vite output). Hashed assets are cached for a year; index.html is
 * never cached and is the fallback for client-side routes.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** The Content-Security-Policy of the dashboard's own pages. */
export function pageCsp(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // React and xterm.js set inline style attributes.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': pageCsp(port),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

export function serveStatic(root: string, urlPath: string, res: ServerResponse, port: number): void {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    rel = '/';
  }
  const full = normalize(join(root, rel));
  let file = full.startsWith(root + sep) && existsSync(full) && statSync(full).isFile() ? full : undefined;
  // Unknown paths without an extension are client-side routes → index.html.
  if (!file && !extname(rel)) file = join(root, 'index.html');
  if (!file || !existsSync(file)) {
    if (rel === '/' || !extname(rel)) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders(port) });
      res.end('The dashboard UI is not built. Run `npm run build` in the Skiff project.\n');
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders(port) });
    res.end('not found\n');
    return;
  }
  const isIndex = file.endsWith('index.html');
  const hashed = /[.-][A-Za-z0-9_-]{8,}\.(js|css|woff2|png|svg)$/.test(file) && file.includes(`${sep}assets${sep}`);
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': isIndex || !hashed ? 'no-cache' : 'public, max-age=31536000, immutable',
    ...securityHeaders(port),
  });
  createReadStream(file).pipe(res);
}
