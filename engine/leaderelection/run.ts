/**
 * Running engine components under leader election.
 *
 * runWithLeaderElection wraps one replica: `start()` is called when this replica becomes leader
 * and the component is stopped when it loses the lease (client-go components exit the process
 * instead; in one engine process we go back to being a candidate).
 *
 * startControlPlane runs the controller manager and the scheduler each behind its Lease in
 * kube-system (kube-controller-manager, kube-scheduler), optionally with an in-process standby
 * replica of each — the HA setup the store allows: the store is one SQLite file owned by one
 * process, so replicas share that process (a standby in another process would need the whole
 * controller/scheduler stack on an HTTP client to the primary's API server).
 */
import { Recorder } from '../events/recorder.js';
import type { Component, EngineContext } from '../component.js';
import { LeaderElector, LeaseLock, type LeaderElectionConfig } from './leaderelection.js';

export interface LeaderElectionOptions {
  /** Defaults to ctx.identity. */
  identity?: string;
  namespace?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  staleBefore?: Date;
  onNewLeader?(identity: string): void;
}

export interface LeaderElectedComponent extends Component {
  readonly elector: LeaderElector;
  /** Whether this replica's component is running now. */
  running(): boolean;
  /** Simulates this replica's process dying: no more renewals, component stopped, lease kept. */
  crash(): Promise<void>;
}

export function runWithLeaderElection(ctx: EngineContext, leaseName: string, start: () => Component, opts: LeaderElectionOptions = {}): LeaderElectedComponent {
  const identity = opts.identity ?? ctx.identity;
  let component: Component | undefined;
  let stopping: Promise<void> | undefined;
  const stopComponent = async () => {
    const c = component;
    component = undefined;
    if (c) await c.stop();
  };
  const recorder = new Recorder(ctx.client, { component: leaseName, instance: identity, clock: ctx.clock });
  const config: LeaderElectionConfig = {
    lock: new LeaseLock(ctx.client, opts.namespace ?? 'kube-system', leaseName, identity),
    clock: ctx.clock,
    leaseDurationMs: opts.leaseDurationMs,
    renewDeadlineMs: opts.renewDeadlineMs,
    retryPeriodMs: opts.retryPeriodMs,
    releaseOnCancel: true,
    staleBefore: opts.staleBefore,
    recorder,
    callbacks: {
      onStartedLeading: () => {
        if (!stopping) {
          component = start();
          return;
        }
        // The previous term's component is still stopping: start after it, if still leader.
        void stopping.then(() => {
          if (elector.isLeader() && !component) component = start();
        });
      },
      onStoppedLeading: () => {
        stopping = stopComponent().finally(() => {
          stopping = undefined;
        });
      },
      onNewLeader: opts.onNewLeader,
    },
  };
  const elector = new LeaderElector(config);
  elector.run();
  return {
    elector,
    running: () => component !== undefined,
    async crash() {
      elector.crash();
      await stopComponent();
      recorder.stop();
    },
    async stop() {
      // Stop working first, then hand the lease over, so two leaders never overlap.
      await stopComponent();
      await stopping;
      elector.stop();
      recorder.stop();
    },
  };
}

export interface ControlPlaneOptions extends Omit<LeaderElectionOptions, 'identity'> {
  /** Also run a standby replica of each component in this process. */
  standby?: boolean;
  startControllerManager: (ctx: EngineContext) => Component;
  startScheduler: (ctx: EngineContext) => Component;
}

export interface ControlPlane extends Component {
  readonly replicas: { lease: string; identity: string; replica: LeaderElectedComponent }[];
}

/**
 * The controller manager and the scheduler, each leader-elected; with `standby`, a second
 * replica of each waits to take over. Leases held by a process that ran before this engine
 * started are taken over at once (that process is gone: it can't have had the store open).
 */
export function startControlPlane(ctx: EngineContext, opts: ControlPlaneOptions): ControlPlane {
  const staleBefore = opts.staleBefore ?? new Date(ctx.clock.now().getTime() - 1);
  const identities = opts.standby ? [ctx.identity, `${ctx.identity}-standby`] : [ctx.identity];
  const replicas: ControlPlane['replicas'] = [];
  for (const identity of identities) {
    const rctx: EngineContext = { ...ctx, identity };
    for (const [lease, start] of [
      ['kube-controller-manager', opts.startControllerManager],
      ['kube-scheduler', opts.startScheduler],
    ] as const) {
      replicas.push({ lease, identity, replica: runWithLeaderElection(rctx, lease, () => start(rctx), { ...opts, identity, staleBefore }) });
    }
  }
  return {
    replicas,
    async stop() {
      // Standbys first, so they don't grab the leases the primaries are releasing.
      for (const r of [...replicas].reverse()) await r.replica.stop();
    },
  };
}
