/** Starting YAML for "Create" per kind (like Lens's templates). */
import type { KindInfo } from '../lib/kinds';

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
};

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
