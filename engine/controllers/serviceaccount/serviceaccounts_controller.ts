/**
 * Two small per-namespace controllers, started together as `serviceaccount`:
 *
 * ServiceAccountsController (upstream pkg/controller/serviceaccount/serviceaccounts_controller.go):
 * every active namespace has a `default` ServiceAccount — created when the namespace appears,
 * recreated when someone deletes it.
 *
 * RootCACertPublisher (upstream pkg/controller/certificates/rootcacertpublisher): every active
 * namespace has the ConfigMap `kube-root-ca.crt` holding the cluster CA (`ca.crt`), kept equal
 * to the API server's CA — pods use it to verify the API server.
 *
 * Both key their queue by namespace name; handlers on the namespace, ServiceAccount and
 * ConfigMap informers only enqueue.
 */
import type { EngineContext } from '../../component.js';
import type { KubeObject } from '../../api/types.js';
import { clone, isPlainObject } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { Controller, isAlreadyExists, isNamespaceTerminating, isNotFound, startDeferred } from '../shared/controller.js';

export const DEFAULT_SERVICE_ACCOUNTS = ['default'];
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

function isActive(ns: KubeObject | undefined): boolean {
  if (!ns || ns.metadata.deletionTimestamp) return false;
  const phase = isPlainObject(ns.status) ? ns.status.phase : undefined;
  return phase === undefined || phase === 'Active';
}

export class ServiceAccountsController extends Controller {
  private nsInformer!: Informer<KubeObject>;
  private saInformer!: Informer<KubeObject>;

  constructor(
    ctx: EngineContext,
    private readonly accounts: string[] = DEFAULT_SERVICE_ACCOUNTS,
  ) {
    super(ctx, 'serviceaccount-controller');
  }

  protected register(): void {
    this.nsInformer = this.informer('', 'Namespace');
    this.saInformer = this.informer('', 'ServiceAccount');
    this.nsInformer.addHandler({
      add: (ns) => this.worker.enqueue(ns.metadata.name as string),
      update: (_o, ns) => this.worker.enqueue(ns.metadata.name as string),
    });
    this.saInformer.addHandler({
      delete: (sa) => {
        if (this.accounts.includes(sa.metadata.name as string)) this.worker.enqueue(sa.metadata.namespace as string);
      },
    });
  }

  sync(namespace: string): void {
    const ns = this.nsInformer.get(undefined, namespace);
    if (!isActive(ns)) return;
    const client = this.ctx.client.resource('', 'ServiceAccount');
    for (const name of this.accounts) {
      if (this.saInformer.get(namespace, name)) continue;
      try {
        client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
      } catch (e) {
        if (isAlreadyExists(e) || isNamespaceTerminating(e) || isNotFound(e)) continue;
        throw e;
      }
    }
  }
}

export class RootCACertPublisher extends Controller {
  private nsInformer!: Informer<KubeObject>;
  private cmInformer!: Informer<KubeObject>;

  constructor(ctx: EngineContext) {
    super(ctx, 'root-ca-cert-publisher');
  }

  protected register(): void {
    this.nsInformer = this.informer('', 'Namespace');
    this.cmInformer = this.informer('', 'ConfigMap');
    this.nsInformer.addHandler({
      add: (ns) => this.worker.enqueue(ns.metadata.name as string),
      update: (_o, ns) => this.worker.enqueue(ns.metadata.name as string),
    });
    const onCM = (cm: KubeObject) => {
      if (cm.metadata.name === ROOT_CA_CONFIGMAP) this.worker.enqueue(cm.metadata.namespace as string);
    };
    this.cmInformer.addHandler({ update: (_o, cm) => onCM(cm), delete: onCM });
  }

  sync(namespace: string): void {
    const ns = this.nsInformer.get(undefined, namespace);
    if (!isActive(ns)) return;
    const data = { 'ca.crt': this.ctx.apiServer.caCert };
    const client = this.ctx.client.resource('', 'ConfigMap');
    const cm = this.cmInformer.get(namespace, ROOT_CA_CONFIGMAP);
    try {
      if (!cm) {
        client.create({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION } },
          data,
        });
        return;
      }
      const annotations = cm.metadata.annotations ?? {};
      const sameData = JSON.stringify(cm.data ?? {}) === JSON.stringify(data);
      if (sameData && annotations['kubernetes.io/description'] === ROOT_CA_DESCRIPTION) return;
      const copy = clone(cm);
      copy.data = data;
      copy.metadata.annotations = { ...annotations, 'kubernetes.io/description': ROOT_CA_DESCRIPTION };
      client.update(copy);
    } catch (e) {
      if (isAlreadyExists(e) || isNamespaceTerminating(e) || isNotFound(e)) return;
      throw e;
    }
  }
}

/** controller-manager entry point: `serviceaccount` (default ServiceAccounts and kube-root-ca.crt). */
export function startServiceAccountController(ctx: EngineContext): { stop(): Promise<void> } {
  const sa = startDeferred(new ServiceAccountsController(ctx));
  const ca = startDeferred(new RootCACertPublisher(ctx));
  return {
    async stop() {
      await sa.stop();
      await ca.stop();
    },
  };
}
