/** A small inline icon set (stroke icons, 16px), so the app ships no icon font. */
import type { ReactElement } from 'react';

const paths: Record<string, ReactElement> = {
  overview: <path d="M3 3h7v7H3zM14 3h7v4h-7zM14 11h7v10h-7zM3 14h7v7H3z" />,
  nodes: <><rect x="3" y="4" width="18" height="6" rx="1.5" /><rect x="3" y="14" width="18" height="6" rx="1.5" /><path d="M7 7h.01M7 17h.01" /></>,
  namespaces: <path d="M4 6h16M4 12h16M4 18h10" />,
  events: <path d="M12 8v5l3 2M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0z" />,
  pods: <><path d="M12 3l8 4.5v9L12 21l-8-4.5v-9z" /><path d="M12 12l8-4.5M12 12v9M12 12L4 7.5" /></>,
  deployments: <><rect x="3" y="3" width="8" height="8" rx="1.5" /><rect x="13" y="3" width="8" height="8" rx="1.5" /><rect x="3" y="13" width="8" height="8" rx="1.5" /><path d="M17 14v6M14 17h6" /></>,
  statefulsets: <><ellipse cx="12" cy="6" rx="7" ry="3" /><path d="M5 6v6c0 1.7 3.1 3 7 3s7-1.3 7-3V6M5 12v6c0 1.7 3.1 3 7 3s7-1.3 7-3v-6" /></>,
  daemonsets: <><circle cx="12" cy="12" r="3" /><path d="M12 2v4M12 18v4M2 12h4M18 12h4M5 5l3 3M16 16l3 3M5 19l3-3M16 8l3-3" /></>,
  replicasets: <><rect x="7" y="7" width="13" height="13" rx="2" /><path d="M4 16V6a2 2 0 0 1 2-2h10" /></>,
  jobs: <><path d="M9 11l3 3 8-8" /><path d="M20 12v7a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h9" /></>,
  cronjobs: <><circle cx="12" cy="13" r="8" /><path d="M12 9v4l2 2M5 3L2 6M19 3l3 3" /></>,
  configmaps: <><path d="M4 4h11l5 5v11H4z" /><path d="M14 4v6h6M8 14h8M8 17h5" /></>,
  secrets: <><rect x="4" y="10" width="16" height="11" rx="2" /><path d="M8 10V7a4 4 0 0 1 8 0v3" /></>,
  horizontalpodautoscalers: <path d="M4 20L10 14l4 4 6-8M14 10h6v6" />,
  resourcequotas: <><path d="M4 20a8 8 0 1 1 16 0" /><path d="M12 20l4-6" /></>,
  limitranges: <path d="M4 7h16M4 17h16M8 4v6M16 14v6" />,
  poddisruptionbudgets: <><path d="M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z" /><path d="M9 12h6" /></>,
  services: <><circle cx="12" cy="5" r="2.5" /><circle cx="5" cy="19" r="2.5" /><circle cx="19" cy="19" r="2.5" /><path d="M12 7.5v4M12 11.5L6.5 17M12 11.5l5.5 5.5" /></>,
  endpoints: <><circle cx="6" cy="12" r="2.5" /><circle cx="18" cy="6" r="2.5" /><circle cx="18" cy="18" r="2.5" /><path d="M8.5 11l7-4M8.5 13l7 4" /></>,
  ingresses: <><path d="M3 12h12M11 8l4 4-4 4" /><path d="M15 4h4a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-4" /></>,
  networkpolicies: <path d="M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z" />,
  persistentvolumeclaims: <><rect x="3" y="5" width="18" height="14" rx="2" /><path d="M7 15h.01M11 15h6" /></>,
  persistentvolumes: <><ellipse cx="12" cy="6" rx="8" ry="3" /><path d="M4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6" /></>,
  storageclasses: <><path d="M3 7l9-4 9 4-9 4z" /><path d="M3 12l9 4 9-4M3 17l9 4 9-4" /></>,
  topology: <><rect x="2" y="9" width="5" height="6" rx="1.5" /><rect x="10" y="3" width="5" height="5" rx="1.5" /><rect x="10" y="16" width="5" height="5" rx="1.5" /><rect x="18" y="9.5" width="4" height="5" rx="1.5" /><path d="M7 12h1.5a1.5 1.5 0 0 0 1.5-1.5V6M8.5 12a1.5 1.5 0 0 1 1.5 1.5v4M15 5.5h1a2 2 0 0 1 2 2V12M15 18.5h1a2 2 0 0 0 2-2V12" /></>,
  portforwards: <path d="M4 8h13l-3-3M20 16H7l3 3" />,
  search: <><circle cx="11" cy="11" r="7" /><path d="M20 20l-4-4" /></>,
  sun: <><circle cx="12" cy="12" r="4" /><path d="M12 2v2M12 20v2M2 12h2M20 12h2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" /></>,
  moon: <path d="M21 12.8A9 9 0 1 1 11.2 3 7 7 0 0 0 21 12.8z" />,
  close: <path d="M6 6l12 12M18 6L6 18" />,
  plus: <path d="M12 5v14M5 12h14" />,
  trash: <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />,
  edit: <path d="M4 20h4L19 9l-4-4L4 16zM14 6l4 4" />,
  logs: <path d="M4 6h16M4 10h16M4 14h10M4 18h7" />,
  terminal: <><rect x="3" y="4" width="18" height="16" rx="2" /><path d="M7 9l3 3-3 3M12 15h5" /></>,
  restart: <path d="M4 12a8 8 0 1 0 2.3-5.7M4 4v4h4" />,
  scale: <path d="M4 20V10M10 20V4M16 20v-7M22 20H2" />,
  download: <path d="M12 4v12M7 11l5 5 5-5M5 20h14" />,
  play: <path d="M7 4l13 8-13 8z" />,
  pause: <path d="M7 4h4v16H7zM13 4h4v16h-4z" />,
  undo: <path d="M9 14L4 9l5-5M4 9h11a5 5 0 0 1 0 10h-3" />,
  cluster: <><circle cx="12" cy="12" r="3" /><circle cx="12" cy="3.5" r="1.5" /><circle cx="12" cy="20.5" r="1.5" /><circle cx="3.5" cy="12" r="1.5" /><circle cx="20.5" cy="12" r="1.5" /></>,
  external: <path d="M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5" />,
  cordon: <><circle cx="12" cy="12" r="9" /><path d="M5.6 5.6l12.8 12.8" /></>,
  eye: <><path d="M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z" /><circle cx="12" cy="12" r="3" /></>,
  keyboard: <><rect x="2" y="6" width="20" height="12" rx="2" /><path d="M6 10h.01M10 10h.01M14 10h.01M18 10h.01M7 14h10" /></>,
};

export function Icon({ name, size = 16 }: { name: string; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      {paths[name] ?? paths.pods}
    </svg>
  );
}
