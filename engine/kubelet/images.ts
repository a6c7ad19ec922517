/**
 * Image pulls per imagePullPolicy, as upstream's kubelet image manager (pkg/kubelet/images):
 *
 * - Never: use the local image or fail with ErrImageNeverPull.
 * - IfNotPresent: use the local image ("Container image … already present on machine"), else pull.
 * - Always (the API's default for `:latest` and untagged images): pull every time a container
 *   starts. Skiff decision (offline first, ARCHITECTURE §6): when the pull fails only because no
 *   registry can be reached and the image is present locally, the local image is used and a
 *   `Pulled` event says so. Upstream would fail with ErrImagePull; on a laptop without network
 *   that would make every `:latest` pod unusable although Docker has the image. A registry that
 *   answers "not found" or "unauthorized" still fails the pull, as upstream.
 * - Failed pulls: event `Failed` ("Failed to pull image …"), waiting reason ErrImagePull, and a
 *   per (pod, image) back-off of 10 s doubling to 5 min; while it lasts the container waits with
 *   ImagePullBackOff and event `BackOff` ("Back-off pulling image …").
 * Concurrent pulls of one image share a single pull.
 */
import type { KubeObject } from '../api/types.js';
import type { EventRecorder } from '../events/recorder.js';
import { ImagePullError, isRuntimeError, parseImageRef, type ContainerRuntime, type ImageInfo } from './runtime/runtime.js';
import { Backoff, type KubeletClock } from './backoff.js';
import { containerRef, podUid, str, type Container } from './podutil.js';

export type ImageResult = { ok: true; image: ImageInfo } | { ok: false; reason: string; message: string; retryAt?: number };

export const IMAGE_BACKOFF_INITIAL_MS = 10_000;
export const IMAGE_BACKOFF_MAX_MS = 300_000;

function duration(ms: number): string {
  // Go's time.Duration.String() after Truncate(time.Millisecond), e.g. "1.234s", "523ms".
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms) / 1000;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m${(s - m * 60).toFixed(3).replace(/\.?0+$/, '')}s`;
}

export class ImageManager {
  readonly backoff: Backoff;
  private readonly inflight = new Map<string, Promise<ImageInfo>>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly recorder: EventRecorder,
    private readonly clock: KubeletClock,
    /** Called after a successful pull (the node agent refreshes status.images). */
    private readonly onPulled?: () => void,
  ) {
    this.backoff = new Backoff(IMAGE_BACKOFF_INITIAL_MS, IMAGE_BACKOFF_MAX_MS, clock);
  }

  async ensure(pod: KubeObject, container: Container): Promise<ImageResult> {
    const image = str(container.image) ?? '';
    const ref = containerRef(pod, container.name);
    try {
      parseImageRef(image);
    } catch {
      const message = `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`;
      this.recorder.event(ref, 'Warning', 'InspectFailed', message);
      return { ok: false, reason: 'InvalidImageName', message };
    }
    const policy = str(container.imagePullPolicy) ?? 'IfNotPresent';
    const present = policy === 'Always' ? undefined : await this.runtime.inspectImage(image);
    if (present) {
      if (policy !== 'Always') this.recorder.event(ref, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return { ok: true, image: present };
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      this.recorder.event(ref, 'Warning', 'ErrImageNeverPull', message);
      return { ok: false, reason: 'ErrImageNeverPull', message };
    }
    const key = `${podUid(pod)}_${image}`;
    const now = this.clock.now();
    if (this.backoff.isInBackOffSinceUpdate(key, now)) {
      const message = `Back-off pulling image "${image}"`;
      this.recorder.event(ref, 'Normal', 'BackOff', message);
      return { ok: false, reason: 'ImagePullBackOff', message, retryAt: this.backoff.updateEndsAt(key) };
    }
    this.recorder.event(ref, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const t0 = this.clock.now();
    try {
      const { info, waited } = await this.pull(image);
      const took = this.clock.now() - t0;
      this.recorder.event(ref, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${duration(took - waited)} (${duration(took)} including waiting). Image size: ${info.sizeBytes} bytes.`);
      this.backoff.gc();
      this.onPulled?.();
      return { ok: true, image: info };
    } catch (e) {
      const err = e as Error;
      if (isRuntimeError(e, 'Unavailable')) throw e;
      // Offline first: an unreachable registry does not stop a locally present image.
      if (e instanceof ImagePullError && e.failure === 'Unreachable') {
        const local = await this.runtime.inspectImage(image);
        if (local) {
          this.recorder.event(ref, 'Normal', 'Pulled', `Container image "${image}" already present on machine (registry unreachable, using the local image)`);
          return { ok: true, image: local };
        }
      }
      this.recorder.event(ref, 'Warning', 'Failed', `Failed to pull image "${image}": ${err.message}`);
      this.backoff.next(key, this.clock.now());
      return { ok: false, reason: isRuntimeError(e, 'InvalidImageName') ? 'InvalidImageName' : 'ErrImagePull', message: err.message, retryAt: this.backoff.updateEndsAt(key) };
    }
  }

  private async pull(image: string): Promise<{ info: ImageInfo; waited: number }> {
    const full = parseImageRef(image).full;
    const running = this.inflight.get(full);
    if (running) {
      const t0 = this.clock.now();
      const info = await running;
      return { info, waited: this.clock.now() - t0 };
    }
    const p = this.runtime.pullImage(image).finally(() => this.inflight.delete(full));
    this.inflight.set(full, p);
    return { info: await p, waited: 0 };
  }

  forgetPod(uid: string): void {
    this.backoff.resetPrefix(`${uid}_`);
  }
}
