/**
 * The seed's application, defined with @pulumi/kubernetes, and its backups declared beside it in the
 * same program. The namespace is auto-named (`shop-<random>`), so everything after it takes its name
 * from the Namespace's output, the plan's target included: the web tier (ConfigMap, Deployment,
 * Service), the database (Secret, the PostgreSQL StatefulSet with the seed's hook annotations, on a
 * volume of the default StorageClass), then a storage location, the nightly plan for the namespace,
 * and an on-demand backup that `pulumi up` takes once the application is up (the StatefulSet ready).
 *
 * @pulumi/kubernetes runs the provider plugin pulumi-resource-kubernetes 4.25.0: on the local
 * environment `hks dev up` installs the one built from Go modules (nothing is downloaded). The images
 * default to the local node's (`hks dev up` imports them; `IfNotPresent`, or a `:latest` image would
 * be pulled); elsewhere set `postgresImage` (e.g. `postgres:16`) and `webImage` (e.g. `busybox:1.37`).
 * The database password is secret config: `pulumi config set --secret dbPassword ...`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as hks from "hks-backup";
import { credentials, objectStorage } from "../shared/local";

const cfg = new pulumi.Config();
const postgresImage = cfg.get("postgresImage") ?? "localhost/hks-dev/postgres:latest";
const webImage = cfg.get("webImage") ?? "localhost/hks-dev/busybox:latest";
const labels = (app: string) => ({ app, "app.kubernetes.io/part-of": "hks-sample" });

const ns = new k8s.core.v1.Namespace("shop", { metadata: { labels: { "app.kubernetes.io/part-of": "hks-sample" } } });
const namespace = ns.metadata.name;

// The web tier: busybox httpd serving its ConfigMap.
const webConfig = new k8s.core.v1.ConfigMap("web-config", {
  metadata: { name: "web-config", namespace, labels: labels("web") },
  data: { "app.properties": "greeting=hello\nfeature.clone=true\n" },
});
const web = new k8s.apps.v1.Deployment("web", {
  metadata: { name: "web", namespace, labels: labels("web") },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: labels("web") },
      spec: {
        containers: [
          {
            name: "web",
            image: webImage,
            imagePullPolicy: "IfNotPresent",
            // As PID 1, busybox httpd ignores SIGTERM: each stop would wait out the 30 s grace period.
            command: ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 8080 -h /srv/www & wait"],
            ports: [{ containerPort: 8080 }],
            volumeMounts: [{ name: "config", mountPath: "/srv/www" }],
          },
        ],
        volumes: [{ name: "config", configMap: { name: webConfig.metadata.name } }],
      },
    },
  },
});
const webService = new k8s.core.v1.Service("web", {
  metadata: { name: "web", namespace, labels: labels("web") },
  spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
});

// The database. The seed's hooks, with commands that work on PostgreSQL 15 and later (README, "Hooks
// for PostgreSQL"): CHECKPOINT before the volume snapshot; both hooks also record themselves in
// hks_hook_log, so the database itself shows when it was backed up.
const hook = (phase: "pre" | "post", ...sql: string[]) =>
  JSON.stringify(
    ["/bin/psql", "-U", "postgres", "-v", "ON_ERROR_STOP=1"].concat(
      [
        ...sql,
        "CREATE TABLE IF NOT EXISTS hks_hook_log (phase text, at timestamptz)",
        `INSERT INTO hks_hook_log VALUES ('${phase}', clock_timestamp())`,
      ].flatMap((s) => ["-c", s]),
    ),
  );
const dbCredentials = new k8s.core.v1.Secret("postgres-credentials", {
  metadata: { name: "postgres-credentials", namespace, labels: labels("postgres-db") },
  type: "Opaque",
  stringData: { POSTGRES_PASSWORD: cfg.requireSecret("dbPassword") },
});
const db = new k8s.apps.v1.StatefulSet("postgres", {
  metadata: { name: "postgres", namespace, labels: labels("postgres-db") },
  spec: {
    serviceName: "postgres",
    replicas: 1,
    selector: { matchLabels: { app: "postgres-db" } },
    template: {
      metadata: {
        labels: labels("postgres-db"),
        annotations: {
          "pre.hook.backup.hks.io/container": "postgres",
          "pre.hook.backup.hks.io/command": hook("pre", "CHECKPOINT"),
          "post.hook.backup.hks.io/container": "postgres",
          "post.hook.backup.hks.io/command": hook("post"),
        },
      },
      spec: {
        terminationGracePeriodSeconds: 10,
        containers: [
          {
            name: "postgres",
            image: postgresImage,
            imagePullPolicy: "IfNotPresent",
            env: [
              {
                name: "POSTGRES_PASSWORD",
                valueFrom: { secretKeyRef: { name: dbCredentials.metadata.name, key: "POSTGRES_PASSWORD" } },
              },
              // A folder inside the volume: the root of a fresh volume may hold lost+found.
              { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
            ],
            ports: [{ containerPort: 5432 }],
            volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }],
            readinessProbe: { exec: { command: ["psql", "-U", "postgres", "-c", "SELECT 1"] }, periodSeconds: 2 },
          },
        ],
      },
    },
    // No storageClassName: the default StorageClass (on the local node, its CSI driver's).
    volumeClaimTemplates: [
      {
        metadata: { name: "data" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
    ],
  },
});

// The backups. @pulumi/kubernetes waits until the StatefulSet's pod is ready (and the Deployment
// rolled out), so the plan and the backup below see a running database.
const storage = new hks.BackupStorageLocation("shop-backups", {
  provider: "aws",
  objectStorage: objectStorage("hks-example-shop-backups"),
  credentials: credentials(),
  serverSideEncryption: { type: "SSE-S3" },
});

const plan = new hks.BackupPlan(
  "shop-nightly",
  {
    // volumeData: the database's files are also copied off the node into the location, by a mover
    // Pod reading the snapshot, so a restore works where the snapshot does not exist.
    target: { namespace, snapshotVolumes: true, volumeData: {} },
    storageLocation: storage,
    schedule: { cron: "0 2 * * *", timeZone: "UTC" },
    retention: { daily: 7, weekly: 4, monthly: 6 },
    labels: { app: "hks-sample", "hks.io/hooks": "pod-annotations" },
  },
  { dependsOn: [db] },
);

// The plan's target, location and labels, taken now: after every object of the application exists.
const firstBackup = new hks.Backup(
  "after-deploy",
  { plan },
  { dependsOn: [webConfig, web, webService, dbCredentials, db] },
);

export const appNamespace = namespace;
export const webUrl = pulumi.interpolate`http://${webService.metadata.name}.${namespace}.svc/app.properties`;
export const planName = plan.planName;
export const cronJob = plan.cronJobName;
export const location = storage.locationName;
export const backup = {
  name: firstBackup.name,
  phase: firstBackup.phase,
  items: firstBackup.itemsBackedUp,
  itemsByResource: firstBackup.itemsByResource,
  snapshots: firstBackup.snapshots,
  url: firstBackup.url,
  startedAt: firstBackup.startedAt,
  completedAt: firstBackup.completedAt,
};
