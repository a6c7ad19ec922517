/**
 * Window geometry remembered across runs: saved on move/resize (debounced by the caller), and
 * on restore clamped back onto a visible display (a monitor may have been unplugged).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Bounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized?: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_BOUNDS: Bounds = { width: 1280, height: 820 };
const MIN = { width: 720, height: 480 };

export function loadBounds(file: string): Bounds {
  if (!existsSync(file)) return { ...DEFAULT_BOUNDS };
  try {
    const b = JSON.parse(readFileSync(file, 'utf8')) as Bounds;
    if (typeof b.width !== 'number' || typeof b.height !== 'number') return { ...DEFAULT_BOUNDS };
    return b;
  } catch {
    return { ...DEFAULT_BOUNDS };
  }
}

export function saveBounds(file: string, b: Bounds): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(b));
}

/** Fits saved bounds onto the current displays' work areas; drops the position if off-screen. */
export function clampBounds(b: Bounds, displays: Rect[]): Bounds {
  const width = Math.max(MIN.width, Math.round(b.width));
  const height = Math.max(MIN.height, Math.round(b.height));
  if (b.x === undefined || b.y === undefined) return { width, height, maximized: b.maximized };
  const x = b.x;
  const y = b.y;
  // Visible enough if a 100×50 piece of its title bar is on some display.
  const onScreen = displays.find((d) => x + 100 > d.x && x < d.x + d.width - 100 && y >= d.y && y < d.y + d.height - 50);
  if (!onScreen) return { width: Math.min(width, displays[0]?.width ?? width), height: Math.min(height, displays[0]?.height ?? height), maximized: b.maximized };
  return { x, y, width: Math.min(width, onScreen.width), height: Math.min(height, onScreen.height), maximized: b.maximized };
}
