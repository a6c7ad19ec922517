/** View registry: route view id → page component. One bundle: the app is served from localhost. */
import type { ComponentType } from 'react';
import OverviewPage from './overview/Overview';
import PortforwardsPage from './portforwards/List';
import NodesPage from './nodes/List';
import NamespacesPage from './namespaces/List';
import EventsPage from './events/List';
import PodsPage from './pods/List';
import DeploymentsPage from './deployments/List';
import StatefulsetsPage from './statefulsets/List';
import DaemonsetsPage from './daemonsets/List';
import ReplicasetsPage from './replicasets/List';
import JobsPage from './jobs/List';
import CronjobsPage from './cronjobs/List';
import ConfigmapsPage from './configmaps/List';
import SecretsPage from './secrets/List';
import HorizontalpodautoscalersPage from './horizontalpodautoscalers/List';
import ResourcequotasPage from './resourcequotas/List';
import LimitrangesPage from './limitranges/List';
import PoddisruptionbudgetsPage from './poddisruptionbudgets/List';
import ServicesPage from './services/List';
import EndpointsPage from './endpoints/List';
import IngressesPage from './ingresses/List';
import NetworkpoliciesPage from './networkpolicies/List';
import PersistentvolumeclaimsPage from './persistentvolumeclaims/List';
import PersistentvolumesPage from './persistentvolumes/List';
import StorageclassesPage from './storageclasses/List';
import TopologyPage from './topology/Topology';

export const VIEWS: Record<string, ComponentType> = {
  overview: OverviewPage,
  portforwards: PortforwardsPage,
  nodes: NodesPage,
  namespaces: NamespacesPage,
  events: EventsPage,
  pods: PodsPage,
  deployments: DeploymentsPage,
  statefulsets: StatefulsetsPage,
  daemonsets: DaemonsetsPage,
  replicasets: ReplicasetsPage,
  jobs: JobsPage,
  cronjobs: CronjobsPage,
  configmaps: ConfigmapsPage,
  secrets: SecretsPage,
  horizontalpodautoscalers: HorizontalpodautoscalersPage,
  resourcequotas: ResourcequotasPage,
  limitranges: LimitrangesPage,
  poddisruptionbudgets: PoddisruptionbudgetsPage,
  services: ServicesPage,
  endpoints: EndpointsPage,
  ingresses: IngressesPage,
  networkpolicies: NetworkpoliciesPage,
  persistentvolumeclaims: PersistentvolumeclaimsPage,
  persistentvolumes: PersistentvolumesPage,
  storageclasses: StorageclassesPage,
  topology: TopologyPage,
};
