/** Starting YAML for "Create" per kind (like Lens's templates). */
import { KINDS, type KindInfo } from '../lib/kinds';

const T: Record<string, (ns: string) => string> = {
  pods: (ns) => `apiVersion: v1
kind: Pod
metadata:
  name: example
  namespace: ${ns}
spec:
  containers:
    - name: app
      image: busybox
      command: ["sh", "-c", "while true; do date; sleep 5; done"]
`,
  deployments: (ns) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: example
  namespace: ${ns}
spec:
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
  configmaps: (ns) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: example
  namespace: ${ns}
data:
  key: value
`,
  secrets: (ns) => `apiVersion: v1
kind: Secret
metadata:
  name: example
  namespace: ${ns}
type: Opaque
stringData:
  password: change-me
`,
  services: (ns) => `apiVersion: v1
kind: Service
metadata:
  name: example
  namespace: ${ns}
spec:
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
  jobs: (ns) => `apiVersion: batch/v1
kind: Job
metadata:
  name: example
  namespace: ${ns}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: job
          image: busybox
          command: ["sh", "-c", "echo hello"]
`,
  cronjobs: (ns) => `apiVersion: batch/v1
kind: CronJob
metadata:
  name: example
  namespace: ${ns}
spec:
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
  statefulsets: (ns) => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: example
  namespace: ${ns}
spec:
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
  daemonsets: (ns) => `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: example
  namespace: ${ns}
spec:
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
  ingresses: (ns) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: example
  namespace: ${ns}
spec:
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
  persistentvolumeclaims: (ns) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: example
  namespace: ${ns}
spec:
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 1Gi
`,
  horizontalpodautoscalers: (ns) => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: example
  namespace: ${ns}
spec:
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
  networkpolicies: (ns) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: example
  namespace: ${ns}
spec:
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
};

/** The kinds offered in the Create dialog's template picker (those with a starting YAML). */
export const TEMPLATE_CHOICES: { key: string; title: string }[] = KINDS.filter((k) => k.key in T).map((k) => ({ key: k.key, title: k.kind }));

export function templateFor(kind: KindInfo, ns: string): string {
  const t = T[kind.key];
  if (t) return t(ns);
  const api = kind.group ? `${kind.group}/${kind.version}` : kind.version;
  return `apiVersion: ${api}
kind: ${kind.kind}
metadata:
  name: example
${kind.namespaced ? `  namespace: ${ns}\n` : ''}`;
}
