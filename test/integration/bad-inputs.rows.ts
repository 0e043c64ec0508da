/**
 * The rows of the bad-inputs table (bad-inputs.integ.spec.ts). Each names what it feeds in, the
 * field, flag, or pod and annotation the message must name, and the fix it must give. `$S3`,
 * `$S3_KEY`, `$S3_SECRET` and `$TMP` are the table's own stack's. The fixtures the rows refer to:
 * namespaces `app` (backed up as `app-nightly`), `hooks` (pods with bad hook annotations) and
 * `empty`; locations `main` (default) and `archive` (ReadOnly) in hks-system; plan `nightly`.
 * Chosen not to repeat the unit tables (test/unit/plan/*.spec.ts): other values, and mostly what
 * only a real cluster, store, CLI or Pulumi can show.
 */
import type { BadInputRow, ProviderRow } from "../support/bad-inputs";

type Over = Record<string, unknown>;
const location = (o: Over) => ({
  resourceKind: "BackupStorageLocation",
  locationName: "bad-loc",
  objectStorage: { bucket: "bi-bad", endpoint: "$S3" },
  credentials: { accessKeyId: "$S3_KEY", secretAccessKey: "$S3_SECRET" },
  ...o,
});
const plan = (o: Over) => ({
  resourceKind: "BackupPlan",
  planName: "bad-plan",
  target: { namespace: "app" },
  storageLocation: "main",
  schedule: { cron: "0 2 * * *" },
  retention: { daily: 7 },
  ...o,
});
const backup = (o: Over) => ({
  resourceKind: "Backup",
  resourceName: "bad-backup",
  target: { namespaces: ["app"] },
  ...o,
});
const restore = (o: Over) => ({ resourceKind: "Restore", restoreName: "bad-restore", backupName: "app-nightly", ...o });
const DAILY = { cron: "0 2 * * *" };

type P = Omit<ProviderRow, "via" | "kind" | "inputs">;
const check = (kind: ProviderRow["kind"], inputs: Over, r: P): BadInputRow => ({ via: "check", kind, inputs, ...r });
const create = (kind: ProviderRow["kind"], inputs: Over, r: P): BadInputRow => ({ via: "create", kind, inputs, ...r });
const cli = (argv: string[], r: P): BadInputRow => ({ via: "cli", argv, ...r });
const preview = (kind: ProviderRow["kind"], args: Over, r: P): BadInputRow => ({ via: "preview", kind, args, ...r });

const DNS = /DNS-1123 label \(lowercase letters, digits and '-'/;
const LONG = (n: number) => "x".repeat(n);

export const BAD_INPUT_ROWS: readonly BadInputRow[] = [
  // BackupStorageLocation: check
  check("BackupStorageLocation", location({ objectStorage: { bucket: "hks_backups", endpoint: "$S3" } }), {
    name: "bucket with '_'",
    topic: "bucket name",
    field: "objectStorage.bucket",
    fix: /use lowercase letters, digits, '-' and '\.'/,
  }),
  check("BackupStorageLocation", location({ objectStorage: { bucket: "xn--backups", endpoint: "$S3" } }), {
    name: "bucket with a reserved prefix",
    topic: "bucket name",
    field: "objectStorage.bucket",
    fix: /must not start with "xn--"/,
  }),
  check(
    "BackupStorageLocation",
    location({ objectStorage: { bucket: "bi-bad", endpoint: "ftp://minio.local:9000" } }),
    {
      name: "endpoint with another scheme",
      topic: "endpoint",
      field: "objectStorage.endpoint",
      fix: /must use http or https/,
    },
  ),
  check(
    "BackupStorageLocation",
    location({ objectStorage: { bucket: "bi-bad", endpoint: "$S3", idleTimeoutSeconds: 86400 } }),
    {
      name: "idle timeout of a day",
      topic: "policy value",
      field: "objectStorage.idleTimeoutSeconds",
      fix: /whole number of seconds from 1 to 3600, got 86400/,
    },
  ),
  check(
    "BackupStorageLocation",
    location({ objectStorage: { bucket: "bi-bad", endpoint: "https://s3.example.com/backups" } }),
    {
      name: "endpoint with a path",
      topic: "endpoint",
      field: "objectStorage.endpoint",
      fix: /put a path in objectStorage\.prefix/,
    },
  ),
  check("BackupStorageLocation", location({ objectStorage: { bucket: "bi-bad", region: "eu_west_1" } }), {
    name: "region with '_'",
    topic: "region",
    field: "objectStorage.region",
    fix: /must look like "us-east-1"/,
  }),
  check(
    "BackupStorageLocation",
    location({
      encryption: { recipients: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"] },
    }),
    {
      name: "an SSH key as age recipient",
      topic: "recipients",
      field: "encryption.recipients[0]",
      fix: /an X25519 recipient from age-keygen/,
    },
  ),
  check(
    "BackupStorageLocation",
    location({ locationName: "offsite-backups-for-the-production-cluster-in-the-frankfurt-region" }),
    {
      name: "location name of 66 characters",
      topic: "name too long",
      field: "locationName",
      fix: /at most 63 characters/,
    },
  ),
  check("BackupStorageLocation", location({ objectLock: { mode: "governance", days: 7 } }), {
    name: "object lock mode in lower case",
    topic: "policy value",
    field: "objectLock.mode",
    fix: /must be one of "GOVERNANCE", "COMPLIANCE"/,
  }),
  check("BackupStorageLocation", location({ lifecycle: { abortIncompleteUploadDays: 0 } }), {
    name: "lifecycle of 0 days",
    topic: "retention",
    field: "lifecycle.abortIncompleteUploadDays",
    fix: /whole number from 1 to 365/,
  }),
  check(
    "BackupStorageLocation",
    location({
      objectStorage: undefined,
      credentials: undefined,
      nfs: { server: "nfs server.local", path: "/exports/backups" },
    }),
    { name: "NFS server with a space", topic: "nfs", field: "nfs.server", fix: /must be a host name or IP address/ },
  ),
  // BackupStorageLocation: create (check passes; the cluster or the store says no, before anything is made)
  create(
    "BackupStorageLocation",
    location({ credentials: undefined, credentialsSecretRef: { name: "offsite-keys" } }),
    {
      name: "credentials Secret that does not exist",
      topic: "credentials",
      field: "credentialsSecretRef",
      fix: /does not exist: create it \(keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\)/,
    },
  ),
  create(
    "BackupStorageLocation",
    location({
      objectStorage: { bucket: "bi-denied", endpoint: "$S3" },
      credentials: { accessKeyId: "$S3_KEY", secretAccessKey: "not-the-secret" },
    }),
    {
      name: "wrong secret access key",
      topic: "credentials",
      field: "credentials",
      fix: /check the credentials \(access key id and secret access key\)/,
    },
  ),
  create("BackupStorageLocation", location({ objectStorage: { bucket: "bi-bad", endpoint: "http://127.0.0.1:1" } }), {
    name: "endpoint where nothing listens",
    topic: "endpoint",
    field: "objectStorage.endpoint",
    fix: /check the endpoint URL/,
  }),
  create(
    "BackupStorageLocation",
    location({ objectStorage: { bucket: "bi-absent", endpoint: "$S3" }, createBucket: false }),
    {
      name: "missing bucket with createBucket: false",
      topic: "bucket name",
      field: "objectStorage.bucket",
      fix: /create it, or set createBucket: true/,
    },
  ),
  create("BackupStorageLocation", location({ context: "staging" }), {
    name: "unknown kubeconfig context",
    topic: "unknown context",
    field: "context",
    fix: /is not in the kubeconfig \(it has: /,
  }),
  // BackupPlan: check
  check("BackupPlan", plan({ verifyAfterBackup: "yes" }), {
    name: "verifyAfterBackup as text",
    topic: "policy value",
    field: "verifyAfterBackup",
    fix: /must be true or false, got "yes"/,
  }),
  check("BackupPlan", plan({ schedule: { cron: "0 25 * * *" } }), {
    name: "cron hour 25",
    topic: "cron",
    field: "schedule.cron",
    fix: /out of range 0-23/,
  }),
  check("BackupPlan", plan({ schedule: { cron: "0 0 2 * * *" } }), {
    name: "cron with a seconds field",
    topic: "cron",
    field: "schedule.cron",
    fix: /use 5 fields/,
  }),
  check("BackupPlan", plan({ schedule: { cron: "@fortnightly" } }), {
    name: "unknown cron macro",
    topic: "cron",
    field: "schedule.cron",
    fix: /use @yearly, .*@daily/,
  }),
  check("BackupPlan", plan({ schedule: { ...DAILY, timeZone: "UTC+2" } }), {
    name: "time zone as an offset",
    topic: "time zone",
    field: "schedule.timeZone",
    fix: /"Etc\/GMT-1" for a fixed UTC\+1/,
  }),
  check("BackupPlan", plan({ schedule: { ...DAILY, timeZone: "Europe/Berln" } }), {
    name: "misspelt time zone",
    topic: "time zone",
    field: "schedule.timeZone",
    fix: /use an IANA time zone name such as "UTC", "Europe\/Berlin"/,
  }),
  check("BackupPlan", plan({ schedule: { ...DAILY, startingDeadlineSeconds: 5 } }), {
    name: "starting deadline of 5 s",
    topic: "cron",
    field: "schedule.startingDeadlineSeconds",
    fix: /use at least 10/,
  }),
  check("BackupPlan", plan({ retention: { daily: "7" } }), {
    name: "retention count as text",
    topic: "retention",
    field: "retention.daily",
    fix: /whole number from 0 to 10000/,
  }),
  check("BackupPlan", plan({ retention: {} }), {
    name: "retention that keeps nothing",
    topic: "retention",
    field: "retention",
    fix: /e\.g\. \{ daily: 7, weekly: 4, monthly: 6 \}/,
  }),
  check("BackupPlan", plan({ schedule: { cron: "0 2 1 * *" }, retention: { weekly: 4 } }), {
    name: "weekly retention of a monthly schedule",
    topic: "retention",
    field: "retention.weekly",
    fix: /use last: 4 to keep the 4 newest runs/,
  }),
  check("BackupPlan", plan({ planName: "production-postgres-database-nightly-backup-eu" }), {
    name: "plan name of 46 characters",
    topic: "name too long",
    field: "name",
    fix: /the limit is 43/,
  }),
  check("BackupPlan", plan({ copies: [{ storageLocation: "main" }] }), {
    name: "copy to the primary location",
    topic: "locations",
    field: "copies[0].storageLocation",
    fix: /a copy must go to a different location/,
  }),
  check("BackupPlan", plan({ runner: { image: "Not An Image" } }), {
    name: "runner image with spaces",
    topic: "runner",
    field: "runner.image",
    fix: /image reference such as "ghcr\.io\//,
  }),
  check("BackupPlan", plan({ runner: { resources: { limits: { memory: "1 GB" } } } }), {
    name: "memory limit '1 GB'",
    topic: "runner",
    field: "runner.resources.limits.memory",
    fix: /Kubernetes quantity such as .*"1Gi"/,
  }),
  check("BackupPlan", plan({ target: { namespaces: ["*"], excludeNamespaces: ["Kube-System"] } }), {
    name: "excluded namespace in capitals",
    topic: "namespace",
    field: "target.excludeNamespaces[0]",
    fix: DNS,
  }),
  check(
    "BackupPlan",
    plan({
      hooks: { pre: [{ selector: { app: "db" }, container: "postgres", command: ["psql"], timeoutSeconds: 0 }] },
    }),
    {
      name: "plan hook timeout 0",
      topic: "hooks",
      field: "hooks.pre[0].timeoutSeconds",
      fix: /whole number from 1 to 3600/,
    },
  ),
  // BackupPlan: create
  create("BackupPlan", plan({ storageLocation: "offsite" }), {
    name: "storage location not recorded",
    topic: "unknown location",
    field: "storageLocation",
    fix: /create it with a BackupStorageLocation in that namespace/,
  }),
  create("BackupPlan", plan({ target: { namespace: "production" } }), {
    name: "target namespace that does not exist",
    topic: "namespace",
    field: "target.namespaces[0]",
    fix: /create it first/,
  }),
  create("BackupPlan", plan({ runner: { serviceAccountName: "backup-runner" } }), {
    name: "runner ServiceAccount that does not exist",
    topic: "runner",
    field: "runner.serviceAccountName",
    fix: /create it, or omit runner\.serviceAccountName/,
  }),
  // Backup: check
  check("Backup", backup({ target: { namespaces: ["app"], selector: { "app.kubernetes.io/name": "web server" } } }), {
    name: "selector value with a space",
    topic: "selector",
    field: "target.selector.app.kubernetes.io/name",
    fix: /no spaces/,
  }),
  check("Backup", backup({ target: { selector: "environment notin production" } }), {
    name: "selector 'notin' without parentheses",
    topic: "selector",
    field: "target.selector",
    fix: /expected e\.g\. "app=postgres-db", "tier in \(web,api\)"/,
  }),
  check("Backup", backup({ requestedName: LONG(300) }), {
    name: "backup name of 300 characters",
    topic: "name too long",
    field: "name",
    fix: /the limit is 253/,
  }),
  check("Backup", backup({ snapshotTimeoutSeconds: 90_000 }), {
    name: "snapshot timeout over a day",
    topic: "policy value",
    field: "snapshotTimeoutSeconds",
    fix: /from 1 to 86400/,
  }),
  check("Backup", backup({ target: undefined, plan: "Nightly" }), {
    name: "plan name in capitals, no target",
    topic: "plan",
    field: "plan",
    fix: /use lowercase letters, digits/,
  }),
  check("Backup", backup({ target: undefined }), {
    name: "neither target nor plan",
    topic: "plan",
    field: "target",
    fix: /or give a plan \(its target is used\)/,
  }),
  check("Backup", backup({ hooks: { post: [{ selector: 42, container: "app", command: ["/bin/true"] }] } }), {
    name: "hook selector as a number",
    topic: "hooks",
    field: "hooks.post[0].selector",
    fix: /label map .* or selector text/,
  }),
  // Backup: create
  create("Backup", backup({ storageLocation: "offsite" }), {
    name: "storage location not recorded",
    topic: "unknown location",
    field: "storageLocation",
    fix: /\(locations: archive, main\): use one of them/,
  }),
  create("Backup", backup({ storageLocation: "archive" }), {
    name: "a ReadOnly location",
    topic: "unknown location",
    field: "storageLocation",
    fix: /back up to a ReadWrite location/,
  }),
  create("Backup", backup({ target: { namespaces: ["prodution"] } }), {
    name: "namespace that does not exist",
    topic: "namespace",
    field: "target.namespaces[0]",
    fix: /check the name \(kubectl get namespaces\)/,
  }),
  create("Backup", backup({ target: { namespaces: ["app"], includeResources: ["deploymets.apps"] } }), {
    name: "resource type that is not served",
    topic: "resource types",
    field: "target.includeResources[0]",
    fix: /did you mean deployments\.apps\?/,
  }),
  create("Backup", backup({ target: undefined, plan: "weekly" }), {
    name: "plan that is not installed",
    topic: "plan",
    field: "plan",
    fix: /create it first with a BackupPlan/,
  }),
  create("Backup", backup({ requestedName: "app-nightly" }), {
    name: "name of an existing backup",
    topic: "name",
    field: "name",
    fix: /choose another name/,
  }),
  create("Backup", backup({ target: { namespaces: ["hooks"], selector: "app=hook-seed" } }), {
    name: "hook command with the seed's \\' escape",
    topic: "hook annotation",
    field: "pod hooks/seed: pre.hook.backup.hks.io/command",
    fix: /JSON has no \\' escape/,
  }),
  create("Backup", backup({ target: { namespaces: ["hooks"], selector: "app=hook-sidecar" } }), {
    name: "hook container the pod does not have",
    topic: "hook annotation",
    field: "pod hooks/sidecar: post.hook.backup.hks.io/container",
    fix: /is not a container of the pod \(it has: app\)/,
  }),
  // Restore: check
  check("Restore", restore({ namespaceMapping: { app: "Staging" } }), {
    name: "mapping to a name in capitals",
    topic: "namespace mapping",
    field: "namespaceMapping.app",
    fix: DNS,
  }),
  check("Restore", restore({ namespaceMapping: { app: "staging", web: "staging" } }), {
    name: "two namespaces mapped to one",
    topic: "namespace mapping",
    field: "namespaceMapping.web",
    fix: /two namespaces cannot be restored into one/,
  }),
  check("Restore", restore({ existingResourcePolicy: "Update" }), {
    name: "policy in capitals",
    topic: "policy value",
    field: "existingResourcePolicy",
    fix: /must be one of "none", "update"/,
  }),
  check("Restore", restore({ identity: "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p" }), {
    name: "a recipient given as identity",
    topic: "recipients",
    field: "identity",
    fix: /the identity is the AGE-SECRET-KEY-1\.\.\. line/,
  }),
  check("Restore", restore({ restoreName: LONG(250) }), {
    name: "restore name of 250 characters",
    topic: "name too long",
    field: "restoreName",
    fix: /the limit is 241/,
  }),
  check(
    "Restore",
    restore({
      patches: [{ group: "apps", kind: "Deployment", patch: [{ op: "replace", path: "spec/replicas", value: 0 }] }],
    }),
    {
      name: "patch path without '/'",
      topic: "patches",
      field: "patches[0].patch",
      fix: /must be "" or start with "\/"/,
    },
  ),
  check("Restore", restore({ backupName: undefined, plan: "nightly" }), {
    name: "plan without latest",
    topic: "plan",
    field: "latest",
    fix: /must be true with plan/,
  }),
  // Restore: create
  create("Restore", restore({ backupName: "app-nightly-2" }), {
    name: "backup that does not exist",
    topic: "backup",
    field: "backup",
    fix: /check the name \(hks backup list\)/,
  }),
  create("Restore", restore({ backupName: undefined, plan: "nightly", latest: true }), {
    name: "plan without backups",
    topic: "plan",
    field: "plan",
    fix: /check the plan name and the storage location/,
  }),
  create("Restore", restore({ storageLocation: "offsite" }), {
    name: "storage location not recorded",
    topic: "unknown location",
    field: "storageLocation",
    fix: /use one of them, or create it/,
  }),
  create("Restore", restore({ context: "staging" }), {
    name: "unknown kubeconfig context",
    topic: "unknown context",
    field: "context",
    fix: /is not in the kubeconfig \(it has: /,
  }),
  // hks backup create
  cli(["backup", "create", "b1", "--include-namespaces", "app", "--selector", "tier in (web"], {
    name: "selector without ')'",
    topic: "selector",
    field: "--selector",
    fix: /expected e\.g\./,
  }),
  cli(["backup", "create", "b1", "--include-namespaces", "App_Prod"], {
    name: "namespace with '_'",
    topic: "namespace",
    field: "--include-namespaces[0]",
    fix: DNS,
  }),
  cli(["backup", "create", LONG(300), "--include-namespaces", "app"], {
    name: "name of 300 characters",
    topic: "name too long",
    field: "<name>",
    fix: /the limit is 253/,
  }),
  cli(["backup", "create", "b1", "--include-namespaces", "app", "--storage-location", "offsite"], {
    name: "unknown storage location",
    topic: "unknown location",
    field: "--storage-location",
    fix: /use one of them, or create it/,
  }),
  cli(["backup", "create", "b1", "--include-namespaces", "app", "--storage-location", "archive"], {
    name: "ReadOnly storage location",
    topic: "unknown location",
    field: "--storage-location",
    fix: /back up to a ReadWrite location/,
  }),
  cli(["backup", "create", "b1", "--include-namespaces", "app", "--snapshot-timeout", "10m"], {
    name: "snapshot timeout '10m'",
    topic: "policy value",
    field: "--snapshot-timeout",
    fix: /whole number from 1 to 86400 \(seconds\), got "10m"/,
  }),
  cli(["backup", "create", "b1", "--include-namespaces", "app", "--page-size", "0"], {
    name: "LIST page size 0",
    topic: "policy value",
    field: "--page-size",
    fix: /whole number from 1 to 10000 \(objects per LIST request\), got "0"/,
  }),
  cli(["backup", "create", "b1", "--include-namespaces", "prodution"], {
    name: "namespace that does not exist",
    topic: "namespace",
    field: "--include-namespaces[0]",
    fix: /check the name \(kubectl get namespaces\)/,
  }),
  cli(["backup", "create", "b1", "--include-namespaces", "app", "--include-resources", "Deployments"], {
    name: "resource type in capitals",
    topic: "resource types",
    field: "--include-resources[0]",
    fix: /use the lowercase plural/,
  }),
  cli(["backup", "create", "b1", "--plan", "weekly"], {
    name: "plan that is not installed",
    topic: "plan",
    field: "--plan",
    fix: /or give --include-namespaces\/--selector/,
  }),
  cli(["backup", "create", "b1", "--include-namespace", "app"], {
    name: "misspelt flag",
    topic: "flags",
    field: "--include-namespace",
    fix: /Did you mean --include-namespaces\?/,
  }),
  cli(["backup", "create", "b1", "--include-namespaces", "app", "--kubeconfig", "$TMP/no-such-kubeconfig"], {
    name: "kubeconfig file that does not exist",
    topic: "unknown context",
    field: "--kubeconfig",
    fix: /give the path of a kubeconfig file/,
  }),
  cli(["backup", "create", "b1", "--include-namespaces", "app", "--context", "staging"], {
    name: "unknown context",
    topic: "unknown context",
    field: "--context",
    fix: /is not in the kubeconfig \(it has: /,
  }),
  cli(["backup", "create", "b1", "--include-namespaces", "app", "--labels", "team=platform ops"], {
    name: "label value with a space",
    topic: "labels",
    field: "--labels",
    fix: /separate requirements with ','/,
  }),
  cli(["backup", "create", "b1", "--include-namespaces", "hooks", "--selector", "app=hook-json"], {
    name: "hook command that is broken JSON",
    topic: "hook annotation",
    field: "pod hooks/json: pre.hook.backup.hks.io/command",
    fix: /write it as '\["\/bin\/sh", "-c", "\.\.\."\]'/,
  }),
  cli(["backup", "create", "b1", "--include-namespaces", "hooks", "--selector", "app=hook-typo"], {
    name: "misspelt hook annotation",
    topic: "hook annotation",
    field: "pod hooks/typo: pre.hook.backup.hks.io/comand",
    fix: /did you mean pre\.hook\.backup\.hks\.io\/command\?/,
  }),
  // hks restore create
  cli(["restore", "create", "r1", "--from-backup", "app-nightly", "--namespace-mapping", "app"], {
    name: "mapping without ':'",
    topic: "namespace mapping",
    field: "--namespace-mapping",
    fix: /\(e\.g\. production:staging\)/,
  }),
  cli(["restore", "create", "r1", "--from-backup", "app-nightly", "--namespace-mapping", "app:Staging_Env"], {
    name: "mapping to 'Staging_Env'",
    topic: "namespace mapping",
    field: "--namespace-mapping",
    fix: DNS,
  }),
  cli(["restore", "create", "r1", "--from-backup", "app-nightly", "--namespace-mapping", "app:clone,app:copy"], {
    name: "namespace mapped twice",
    topic: "namespace mapping",
    field: "--namespace-mapping",
    fix: /give one target per source namespace/,
  }),
  cli(["restore", "create", "r1", "--from-backup", "app-nightly", "--existing-resource-policy", "replace"], {
    name: "policy 'replace'",
    topic: "policy value",
    field: "--existing-resource-policy",
    fix: /must be one of "none", "update"/,
  }),
  cli(["restore", "create", "r1", "--from-backup", "app-nightly", "--identity-file", "$TMP/no-such-key.txt"], {
    name: "identity file that does not exist",
    topic: "identity",
    field: "--identity-file",
    fix: /give the file age-keygen wrote/,
  }),
  cli(["restore", "create", "r1", "--from-backup", "app-nightly", "--identity-file", "$TMP/public-key.txt"], {
    name: "identity file holding a public key",
    topic: "identity",
    field: "--identity-file",
    fix: /the identity is the AGE-SECRET-KEY-1\.\.\. line/,
  }),
  cli(["restore", "create", "r1", "--from-backup", "app-nightly-2"], {
    name: "backup that does not exist",
    topic: "backup",
    field: "--from-backup",
    fix: /check the name \(hks backup list\)/,
  }),
  cli(["restore", "create", "r1", "--from-plan", "nightly"], {
    name: "plan without backups",
    topic: "plan",
    field: "--from-plan",
    fix: /check the plan name/,
  }),
  cli(["restore", "create", "r1", "--from-backup", "app-nightly", "--storage-location", "offsite"], {
    name: "unknown storage location",
    topic: "unknown location",
    field: "--storage-location",
    fix: /use one of them, or create it/,
  }),
  cli(["restore", "create", LONG(250), "--from-backup", "app-nightly"], {
    name: "name of 250 characters",
    topic: "name too long",
    field: "<name>",
    fix: /the limit is 241/,
  }),
  // hks run-plan, backup describe | list | delete, restore describe
  cli(["run-plan", "weekly"], {
    name: "plan that is not installed",
    topic: "plan",
    field: "<plan>",
    fix: /lists the installed plans\) and --namespace/,
  }),
  cli(["run-plan", "nightly", "--now", "yesterday"], {
    name: "--now that is not a time",
    topic: "flags",
    field: "--now",
    fix: /ISO 8601 time such as/,
  }),
  cli(["backup", "describe", "app-nightly-2"], {
    name: "backup that does not exist",
    topic: "backup",
    field: "<name>",
    fix: /see 'hks backup list'/,
  }),
  cli(["backup", "describe", "app-nightly", "-o", "yaml"], {
    name: "output format 'yaml'",
    topic: "flags",
    field: "-o",
    fix: /use text or json/,
  }),
  cli(["backup", "delete", "app-nightly-2"], {
    name: "backup that does not exist",
    topic: "backup",
    field: "<name>",
    fix: /see 'hks backup list'/,
  }),
  cli(["-n", "empty", "backup", "list"], {
    name: "namespace without locations",
    topic: "unknown location",
    field: "--storage-location",
    fix: /create a BackupStorageLocation, or pass -n <namespace>/,
  }),
  cli(["restore", "describe", "clone"], {
    name: "restore that was never run",
    topic: "restore",
    field: "<name>",
    fix: /check the name and --namespace/,
  }),
  // Through the real `pulumi preview`: the check failure reaches the person
  preview(
    "BackupStorageLocation",
    { objectStorage: { bucket: "Hks.Backups" } },
    { name: "bucket in capitals", topic: "bucket name", field: "objectStorage.bucket", fix: /use lowercase letters/ },
  ),
  preview(
    "BackupPlan",
    {
      target: { namespace: "app" },
      storageLocation: "main",
      schedule: { cron: "0 2 * * *", timeZone: "Asia/Tokio" },
      retention: { daily: 7 },
    },
    { name: "misspelt time zone", topic: "time zone", field: "schedule.timeZone", fix: /use an IANA time zone name/ },
  ),
  preview(
    "BackupPlan",
    {
      target: { namespace: "app" },
      storageLocation: "main",
      schedule: { cron: "0 2 * * *" },
      retention: { hourly: 48 },
    },
    {
      name: "hourly retention of a daily schedule",
      topic: "retention",
      field: "retention.hourly",
      fix: /use last: 48/,
    },
  ),
  preview(
    "BackupPlan",
    { target: { namespace: "app" }, storageLocation: "main", schedule: { cron: "0 2 * *" }, retention: { daily: 7 } },
    { name: "cron of four fields", topic: "cron", field: "schedule.cron", fix: /expected 5 fields, got 4/ },
  ),
  preview("Backup", {}, { name: "neither target nor plan", topic: "plan", field: "target", fix: /or give a plan/ }),
  preview(
    "Restore",
    { backup: "app-nightly", namespaceMapping: { app: "staging", web: "staging" } },
    {
      name: "two namespaces mapped to one",
      topic: "namespace mapping",
      field: "namespaceMapping.web",
      fix: /cannot be restored into one/,
    },
  ),
];
