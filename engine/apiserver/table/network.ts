// Networking: Service, Endpoints, EndpointSlice, Ingress, IngressClass,
// NetworkPolicy, ServiceCIDR and IPAddress.

import { since } from './duration.js';
import { DOC } from './descriptions.js';
import {
  ageColumn,
  column,
  formatLabelSelector,
  formatLabels,
  int,
  joinHostPort,
  list,
  listWithMore,
  meta,
  nameColumn,
  sortStrings,
  text,
  view,
  type LabelSelector,
} from './format.js';
import type { Printer } from './types.js';

/** Upstream clips load-balancer addresses to 16 bytes when not wide; the apiserver always prints wide. */
const LOAD_BALANCER_WIDTH = 16;

interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
}

/** loadBalancerStatusStringer: sorted, de-duplicated IPs (or hostnames). */
function loadBalancerAddresses(ingress: LoadBalancerIngress[] | undefined, wide: boolean): string {
  const set = new Set<string>();
  for (const i of list(ingress)) {
    if (text(i.ip) !== '') set.add(text(i.ip));
    else if (text(i.hostname) !== '') set.add(text(i.hostname));
  }
  let r = sortStrings(set).join(',');
  if (!wide && r.length > LOAD_BALANCER_WIDTH) r = `${r.slice(0, LOAD_BALANCER_WIDTH - 3)}...`;
  return r;
}

// ---- Service ------------------------------------------------------------------------

interface ServicePort {
  port?: number;
  nodePort?: number;
  protocol?: string;
}

interface Service {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    ports?: ServicePort[];
    selector?: Record<string, string>;
  };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

/** The service type after v1 defaulting (unset means ClusterIP). */
function serviceType(svc: Service): string {
  const t = svc.spec?.type;
  return typeof t === 'string' && t !== '' ? t : 'ClusterIP';
}

/** getServiceExternalIP. */
export function serviceExternalIP(svc: Service, wide: boolean): string {
  const externalIPs = list(svc.spec?.externalIPs).map(text);
  switch (serviceType(svc)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lbIPs = loadBalancerAddresses(svc.status?.loadBalancer?.ingress, wide);
      if (externalIPs.length > 0) {
        const results = lbIPs.length > 0 ? lbIPs.split(',') : [];
        return [...results, ...externalIPs].join(',');
      }
      return lbIPs.length > 0 ? lbIPs : '<pending>';
    }
    case 'ExternalName':
      return text(svc.spec?.externalName);
    default:
      return '<unknown>';
  }
}

/** makePortString: "80/TCP", or "80:30080/TCP" when a node port is allocated. */
export function servicePorts(ports: ServicePort[] | undefined): string {
  return list(ports)
    .map((p) => {
      const protocol = text(p.protocol) || 'TCP'; // v1 default
      return int(p.nodePort) > 0 ? `${int(p.port)}:${int(p.nodePort)}/${protocol}` : `${int(p.port)}/${protocol}`;
    })
    .join(',');
}

export const servicePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Type', 'string', DOC['ServiceSpec.type']),
    column('Cluster-IP', 'string', DOC['ServiceSpec.clusterIP']),
    column('External-IP', 'string', DOC['ServiceSpec.externalIPs']),
    column('Port(s)', 'string', DOC['ServiceSpec.ports']),
    ageColumn(),
    column('Selector', 'string', DOC['ServiceSpec.selector'], { priority: 1 }),
  ],
  cells(obj, ctx) {
    const svc = view<Service>(obj);
    const clusterIPs = list(svc.spec?.clusterIPs).map(text);
    // v1 keeps clusterIP and clusterIPs[0] in sync; older writers may set only clusterIP.
    const internalIP = clusterIPs[0] || text(svc.spec?.clusterIP) || '<none>';
    return [
      text(meta(obj).name),
      serviceType(svc),
      internalIP,
      serviceExternalIP(svc, true),
      servicePorts(svc.spec?.ports) || '<none>',
      since(meta(obj).creationTimestamp, ctx.now),
      formatLabels(svc.spec?.selector),
    ];
  },
};

// ---- Endpoints -------------------------------------------------------------------------

interface EndpointSubset {
  addresses?: { ip?: string }[];
  ports?: { name?: string; port?: number }[];
}

/** formatEndpoints with ports=nil: "ip:port" pairs, at most 3, then "+ N more...". */
export function formatEndpoints(subsets: EndpointSubset[] | undefined): string {
  const ss = list(subsets);
  if (ss.length === 0) return '<none>';
  const items: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const subset of ss) {
    const addresses = list(subset.addresses);
    const ports = list(subset.ports);
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const a of addresses) {
        if (items.length === max) {
          more = true;
          break;
        }
        items.push(text(a.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (items.length === max) {
          more = true;
          break;
        }
        items.push(joinHostPort(text(a.ip), int(port.port)));
      }
    }
  }
  const ret = items.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsPrinter: Printer = {
  columns: [nameColumn(), column('Endpoints', 'string', DOC['Endpoints.subsets']), ageColumn()],
  cells(obj, ctx) {
    return [
      text(meta(obj).name),
      formatEndpoints(obj['subsets'] as EndpointSubset[] | undefined),
      since(meta(obj).creationTimestamp, ctx.now),
    ];
  },
};

// ---- EndpointSlice -------------------------------------------------------------------------

interface EndpointSlice {
  addressType?: string;
  ports?: { name?: string; port?: number }[];
  endpoints?: { addresses?: string[] }[];
}

function formatSlicePorts(ports: EndpointSlice['ports']): string {
  const items: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const p of list(ports)) {
    if (items.length < max) {
      // A nil port means "all ports" and prints "*".
      items.push(typeof p.port === 'number' ? String(p.port) : typeof p.name === 'string' ? p.name : '*');
    } else if (items.length === max) {
      more = true;
    }
    count++;
  }
  return listWithMore(items, more, count, max);
}

function formatSliceEndpoints(endpoints: EndpointSlice['endpoints']): string {
  const items: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const e of list(endpoints)) {
    for (const address of list(e.addresses)) {
      if (items.length < max) items.push(text(address));
      else if (items.length === max) more = true;
      count++;
    }
  }
  return listWithMore(items, more, count, max);
}

export const endpointSlicePrinter: Printer = {
  columns: [
    nameColumn(),
    column('AddressType', 'string', DOC['EndpointSlice.addressType']),
    column('Ports', 'string', DOC['EndpointSlice.ports']),
    column('Endpoints', 'string', DOC['EndpointSlice.endpoints']),
    ageColumn(),
  ],
  cells(obj, ctx) {
    const es = view<EndpointSlice>(obj);
    return [
      text(meta(obj).name),
      text(es.addressType),
      formatSlicePorts(es.ports),
      formatSliceEndpoints(es.endpoints),
      since(meta(obj).creationTimestamp, ctx.now),
    ];
  },
};

// ---- Ingress ----------------------------------------------------------------------------------

interface Ingress {
  spec?: { ingressClassName?: string; rules?: { host?: string }[]; tls?: unknown[] };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

/** formatHosts: up to 3 hosts, "*" when no rule names one. */
function formatHosts(rules: { host?: string }[]): string {
  const items: string[] = [];
  const max = 3;
  let more = false;
  for (const rule of rules) {
    if (items.length === max) more = true;
    if (!more && text(rule.host) !== '') items.push(text(rule.host));
  }
  if (items.length === 0) return '*';
  const ret = items.join(',');
  return more ? `${ret} + ${rules.length - max} more...` : ret;
}

export const ingressPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  cells(obj, ctx) {
    const ing = view<Ingress>(obj);
    const className = ing.spec?.ingressClassName;
    return [
      text(meta(obj).name),
      typeof className === 'string' ? className : '<none>',
      formatHosts(list(ing.spec?.rules)),
      loadBalancerAddresses(ing.status?.loadBalancer?.ingress, true),
      list(ing.spec?.tls).length !== 0 ? '80, 443' : '80',
      since(meta(obj).creationTimestamp, ctx.now),
    ];
  },
};

// ---- IngressClass -------------------------------------------------------------------------------

interface IngressClass {
  spec?: { controller?: string; parameters?: { apiGroup?: string; kind?: string; name?: string } };
}

export const ingressClassPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  cells(obj, ctx) {
    const ic = view<IngressClass>(obj);
    const p = ic.spec?.parameters;
    let parameters = '<none>';
    if (p) {
      parameters = text(p.kind);
      if (typeof p.apiGroup === 'string') parameters = `${parameters}.${p.apiGroup}`;
      parameters = `${parameters}/${text(p.name)}`;
    }
    return [text(meta(obj).name), text(ic.spec?.controller), parameters, since(meta(obj).creationTimestamp, ctx.now)];
  },
};

// ---- NetworkPolicy ----------------------------------------------------------------------------------

export const networkPolicyPrinter: Printer = {
  columns: [nameColumn(), column('Pod-Selector', 'string', DOC['NetworkPolicySpec.podSelector']), ageColumn()],
  cells(obj, ctx) {
    const spec = view<{ spec?: { podSelector?: LabelSelector } }>(obj).spec;
    // podSelector is a struct upstream, never nil: an absent one is the empty selector.
    return [text(meta(obj).name), formatLabelSelector(spec?.podSelector ?? {}), since(meta(obj).creationTimestamp, ctx.now)];
  },
};

// ---- ServiceCIDR / IPAddress --------------------------------------------------------------------------

export const serviceCIDRPrinter: Printer = {
  columns: [nameColumn(), column('CIDRs', 'string', DOC['ServiceCIDRSpec.cidrs']), ageColumn()],
  cells(obj, ctx) {
    const cidrs = list(view<{ spec?: { cidrs?: string[] } }>(obj).spec?.cidrs).map(text);
    return [text(meta(obj).name), cidrs.join(','), since(meta(obj).creationTimestamp, ctx.now)];
  },
};

interface IPAddress {
  spec?: { parentRef?: { group?: string; resource?: string; namespace?: string; name?: string } };
}

export const ipAddressPrinter: Printer = {
  // Upstream declares only these two columns yet also appends an age cell; the
  // extra cell is dropped so every row matches its headers.
  columns: [nameColumn(), column('ParentRef', 'string', DOC['IPAddressSpec.parentRef'])],
  cells(obj) {
    const ref = view<IPAddress>(obj).spec?.parentRef;
    let parent = '<none>';
    if (ref) {
      // schema.GroupResource.String(): "resource.group", or just "resource" in the core group.
      const gr = text(ref.group) === '' ? text(ref.resource) : `${text(ref.resource)}.${text(ref.group)}`;
      parent = gr.toLowerCase();
      if (text(ref.namespace) !== '') parent += `/${text(ref.namespace)}`;
      parent += `/${text(ref.name)}`;
    }
    return [text(meta(obj).name), parent];
  },
};
