/**
 * NodeHost backed by the local Docker engine (DOCKER_HOST or the default socket): capacity and
 * versions from `docker info`, health from `docker ping`.
 */
import type Docker from 'dockerode';
import type { NodeHost, NodeHostInfo, NodeImage } from './node.js';

/** dockerode costs ~150 ms to import: load it after the API server is up, not before. */
export function dockerNodeHost(given?: Docker): NodeHost {
  let client: Promise<Docker> | undefined;
  const get = () => (client ??= given ? Promise.resolve(given) : import('dockerode').then((m) => new m.default()));
  return {
    async ping(): Promise<boolean> {
      try {
        await (await get()).ping();
        return true;
      } catch {
        return false;
      }
    },
    async images(): Promise<NodeImage[]> {
      const list = await (await get()).listImages();
      return list
        .map((i) => ({ names: [...(i.RepoDigests ?? []), ...(i.RepoTags ?? [])].filter((n) => n !== '<none>:<none>' && n !== '<none>@<none>'), sizeBytes: i.Size }))
        .filter((i) => i.names.length > 0);
    },
    async info(): Promise<NodeHostInfo> {
      const i = (await (await get()).info()) as Record<string, unknown>;
      const arch = String(i.Architecture ?? '');
      return {
        cpus: Number(i.NCPU ?? 1),
        memoryBytes: Number(i.MemTotal ?? 0),
        os: String(i.OSType ?? 'linux'),
        osImage: String(i.OperatingSystem ?? 'unknown'),
        kernelVersion: String(i.KernelVersion ?? ''),
        architecture: arch === 'x86_64' ? 'amd64' : arch === 'aarch64' ? 'arm64' : arch,
        containerRuntimeVersion: `docker://${String(i.ServerVersion ?? '')}`,
      };
    },
  };
}
