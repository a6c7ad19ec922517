/** Starting YAML for "Create" per kind (like Lens's templates). */
import { KINDS, apiVersionOf, type KindInfo } from '../lib/kinds';

/** The lines every template starts with. */
const head = (apiVersion: string, kind: string, ns?: string) => `apiVersion: ${apiVersion}
kind: ${kind}
metadata:
  name: example
${ns === undefined ? '' : `  namespace: ${ns}\n`}`;

const T: Record<string, (ns: string) => string> = {
  pods: (ns) => `${head('v1', 'Pod', ns)}spec:
  containers:
    - name: app
      image: busybox
      command: ["sh", "-c", "while true; do date; sleep 5; done"]
`,
  deployments: (ns) => `${head('apps/v1', 'Deployment', ns)}spec:
  replicas: 2
  selector:
    matchLabels:
      app: example
  template:
    metadata:
      labels:
        app: example
    spec:
      containers:
        - name: app
          image: nginx
          ports:
            - containerPort: 80
`,
  configmaps: (ns) => `${head('v1', 'ConfigMap', ns)}data:
  key: value
`,
  secrets: (ns) => `${head('v1', 'Secret', ns)}type: Opaque
stringData:
  password: change-me
`,
  services: (ns) => `${head('v1', 'Service', ns)}spec:
  selector:
    app: example
  ports:
    - port: 80
      targetPort: 80
`,
  namespaces: () => `apiVersion: v1
kind: Namespace
metadata:
  name: example
`,
  jobs: (ns) => `${head('batch/v1', 'Job', ns)}spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: job
          image: busybox
          command: ["sh", "-c", "echo hello"]
`,
  cronjobs: (ns) => `${head('batch/v1', 'CronJob', ns)}spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: job
              image: busybox
              command: ["sh", "-c", "date"]
`,
  statefulsets: (ns) => `${head('apps/v1', 'StatefulSet', ns)}spec:
  serviceName: example
  replicas: 2
  selector:
    matchLabels:
      app: example
  template:
    metadata:
      labels:
        app: example
    spec:
      containers:
        - name: app
          image: nginx
          ports:
            - containerPort: 80
              name: web
`,
  daemonsets: (ns) => `${head('apps/v1', 'DaemonSet', ns)}spec:
  selector:
    matchLabels:
      app: example
  template:
    metadata:
      labels:
        app: example
    spec:
      containers:
        - name: agent
          image: busybox
          command: ["sh", "-c", "while true; do sleep 3600; done"]
`,
  ingresses: (ns) => `${head('networking.k8s.io/v1', 'Ingress', ns)}spec:
  rules:
    - host: example.localhost
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: example
                port:
                  number: 80
`,
  persistentvolumeclaims: (ns) => `${head('v1', 'PersistentVolumeClaim', ns)}spec:
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 1Gi
`,
  horizontalpodautoscalers: (ns) => `${head('autoscaling/v2', 'HorizontalPodAutoscaler', ns)}spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: example
  minReplicas: 1
  maxReplicas: 5
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
`,
  networkpolicies: (ns) => `${head('networking.k8s.io/v1', 'NetworkPolicy', ns)}spec:
  podSelector:
    matchLabels:
      app: example
  policyTypes:
    - Ingress
  ingress:
    - from:
        - podSelector:
            matchLabels:
              role: frontend
      ports:
        - port: 80
`,
  resourcequotas: (ns) => `${head('v1', 'ResourceQuota', ns)}spec:
  hard:
    pods: "10"
    requests.cpu: "2"
    requests.memory: 2Gi
    limits.cpu: "4"
    limits.memory: 4Gi
`,
  limitranges: (ns) => `${head('v1', 'LimitRange', ns)}spec:
  limits:
    - type: Container
      defaultRequest:
        cpu: 100m
        memory: 64Mi
      default:
        cpu: 500m
        memory: 256Mi
      max:
        cpu: "2"
        memory: 1Gi
`,
  poddisruptionbudgets: (ns) => `${head('policy/v1', 'PodDisruptionBudget', ns)}spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: example
`,
};

/** The kinds offered in the Create dialog's template picker (those with a starting YAML). */
export const TEMPLATE_CHOICES: { key: string; title: string }[] = KINDS.filter((k) => k.key in T).map((k) => ({ key: k.key, title: k.kind }));

export function templateFor(kind: KindInfo, ns: string): string {
  const t = T[kind.key];
  if (t) return t(ns);
  return head(apiVersionOf(kind), kind.kind, kind.namespaced ? ns : undefined);
}
