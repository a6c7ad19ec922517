/** Image names as the scheduler compares them (upstream ImageLocality's normalizedImageName). */

/** Adds ":latest" to an untagged, undigested image; drops Docker Hub's implicit prefixes. */
export function normalizeImageName(name: string): string {
  let n = name;
  if (n.startsWith('docker.io/')) n = n.slice('docker.io/'.length);
  if (n.startsWith('library/')) n = n.slice('library/'.length);
  const last = n.slice(n.lastIndexOf('/') + 1);
  if (!last.includes(':') && !n.includes('@')) n += ':latest';
  return n;
}
