#!/usr/bin/env node
// Draws Skiff's icons as PNGs with no dependencies (node:zlib for the PNG encoding):
//   assets/icon.png (512), assets/icon-256.png, tray/tray-{running,starting,stopped,error}.png
//   (22 px, plus @2x) — a white sailboat on a coloured disc whose colour is the cluster state.
// Run: node assets/tools/make-icons.mjs   (outputs are committed)
import { deflateSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const OUT = fileURLToPath(new URL('..', import.meta.url));

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function png(w, h, rgba) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((w * 4 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 4 + 1)] = 0;
    rgba.copy(raw, y * (w * 4 + 1) + 1, y * w * 4, (y + 1) * w * 4);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

// Shapes in a 0..1 unit square.
const inPoly = (pts, x, y) => {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i];
    const [xj, yj] = pts[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
};
const inRoundRect = (x, y, r) => {
  const cx = Math.min(Math.max(x, r), 1 - r);
  const cy = Math.min(Math.max(y, r), 1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const inCircle = (x, y, cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

// The boat: hull, mast sail (left), jib (right) — same shape as the dashboard's logo.
const HULL = [[0.16, 0.6], [0.84, 0.6], [0.72, 0.8], [0.28, 0.8]];
const SAIL = [[0.47, 0.16], [0.47, 0.54], [0.22, 0.54]];
const JIB = [[0.53, 0.26], [0.78, 0.54], [0.53, 0.54]];
const boat = (x, y) => inPoly(HULL, x, y) || inPoly(SAIL, x, y) || inPoly(JIB, x, y);

function render(size, paint) {
  const buf = Buffer.alloc(size * size * 4);
  const S = 4; // supersampling
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const c = paint((px + (sx + 0.5) / S) / size, (py + (sy + 0.5) / S) / size);
          if (!c) continue;
          const ca = c[3] / 255;
          r += c[0] * ca; g += c[1] * ca; b += c[2] * ca; a += ca;
        }
      }
      const n = S * S;
      const i = (py * size + px) * 4;
      buf[i] = a ? Math.round(r / a) : 0;
      buf[i + 1] = a ? Math.round(g / a) : 0;
      buf[i + 2] = a ? Math.round(b / a) : 0;
      buf[i + 3] = Math.round((a / n) * 255);
    }
  }
  return png(size, size, buf);
}

const WHITE = [255, 255, 255, 255];
function appIcon(x, y) {
  if (!inRoundRect(x, y, 0.22)) return null;
  if (boat(x, y)) return WHITE;
  const t = (x + y) / 2; // gradient #4c8dff → #2f5fd8
  return [Math.round(76 - 29 * t), Math.round(141 - 46 * t), Math.round(255 - 39 * t), 255];
}

const STATES = { running: [52, 195, 143], starting: [241, 180, 76], stopped: [140, 150, 168], error: [244, 106, 106] };
const trayPaint = (rgb) => (x, y) => {
  if (!inCircle(x, y, 0.5, 0.5, 0.48)) return null;
  // Slightly bigger boat for legibility at 22 px.
  const bx = (x - 0.5) / 0.92 + 0.5;
  const by = (y - 0.52) / 0.92 + 0.5;
  return boat(bx, by) ? WHITE : [...rgb, 255];
};

mkdirSync(`${OUT}tray`, { recursive: true });
writeFileSync(`${OUT}icon.png`, render(512, appIcon));
writeFileSync(`${OUT}icon-256.png`, render(256, appIcon));
for (const [name, rgb] of Object.entries(STATES)) {
  writeFileSync(`${OUT}tray/tray-${name}.png`, render(22, trayPaint(rgb)));
  writeFileSync(`${OUT}tray/tray-${name}@2x.png`, render(44, trayPaint(rgb)));
}
console.log('icons written to', OUT);
