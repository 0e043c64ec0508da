/**
 * Issue 8, "Bad inputs": one table of invalid inputs across the four resources (through the
 * provider's real entry `dispatch(kind, "check" | "create", ...)`, exactly what Pulumi calls, and a
 * few through the real `pulumi preview`) and the `hks` commands (the compiled CLI). Every row must
 * be refused with a message naming the field, flag, or pod and annotation, and saying how to fix it;
 * and the whole table must leave the cluster and the object store exactly as they were.
 *
 * The table runs on a stack of its own (etcd, kube-apiserver, controller-manager, MinIO started
 * here): "nothing was created" is asserted over EVERY namespace, object and bucket, which the shared
 * stack cannot promise while other test files run beside this one. Needs `npx tsc -p .` first.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downStack, stackEnv, upStack, type StackInfo } from "../../cli/dev/stack";
import { ensureTools } from "../../cli/dev/tools";
import type { ResourceKind } from "../../provider/kinds";
import {
  diffSnapshots,
  runHks,
  snapshotWorld,
  storageSummary,
  type BadInputRow,
  type WorldSnapshot,
} from "../support/bad-inputs";
import { pulumiProject, type PulumiProject } from "../support/pulumi";
import { BAD_INPUT_ROWS } from "./bad-inputs.rows";

// The compiled provider, loaded by package name: exactly what the serialized stubs of sdk/dynamic.ts call.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { dispatch } = require("hks-backup/provider") as typeof import("../../provider");
const PROGRAM = path.resolve(__dirname, "../fixtures/programs/bad-inputs");
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-bad-inputs-"));
let info: StackInfo;
let kc: k8s.KubeConfig;
let s3: S3Client;
let env: Record<string, string>;
let kubeconfig: string;
let project: PulumiProject | undefined;
let before: WorldSnapshot;

/** Replaces `$S3`, `$S3_KEY`, `$S3_SECRET`, `$TMP` in row values with this stack's. */
function subst<T>(v: T): T {
  const map: Record<string, string> = {
    $S3_SECRET: info.s3SecretAccessKey,
    $S3_KEY: info.s3AccessKeyId,
    $S3: info.s3Endpoint,
    $TMP: runDir,
  };
  return JSON.parse(JSON.stringify(v), (_k, x) =>
    typeof x === "string" ? x.replace(/\$(S3_SECRET|S3_KEY|S3|TMP)/g, (m) => map[m]!) : x,
  ) as T;
}

async function create(kind: ResourceKind, inputs: Record<string, unknown>): Promise<void> {
  const checked = (await dispatch(kind, "check", [{}, { ...inputs, kubeconfig }])) as {
    inputs: unknown;
    failures: unknown[];
  };
  expect(checked.failures, `fixture ${kind}`).toEqual([]);
  await dispatch(kind, "create", [checked.inputs]);
}

/** A pod (never scheduled: the stack has no kubelet) carrying hook annotations. */
const hookPod = (name: string, annotations: Record<string, string>): k8s.V1Pod => ({
  metadata: { name, labels: { app: `hook-${name}` }, annotations },
  spec: { containers: [{ name: "app", image: "registry.invalid/app" }] },
});

/** Everything the rows refer to, created through the real provider before the "before" snapshot. */
async function createFixtures(): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  for (const name of ["app", "hooks", "empty"]) await core.createNamespace({ body: { metadata: { name } } });
  await core.createNamespacedConfigMap({
    namespace: "app",
    body: { metadata: { name: "settings" }, data: { mode: "prod" } },
  });
  const pods = [
    hookPod("json", { "pre.hook.backup.hks.io/command": `["/bin/psql", "-c", "CHECKPOINT;"` }),
    hookPod("seed", {
      "pre.hook.backup.hks.io/command": `["/bin/psql", "-c", "SELECT pg_start_backup(\\'hks-backup\\');"]`,
    }),
    hookPod("typo", { "pre.hook.backup.hks.io/comand": `["/bin/sync"]` }),
    hookPod("sidecar", {
      "post.hook.backup.hks.io/container": "mysql",
      "post.hook.backup.hks.io/command": `["/bin/true"]`,
    }),
  ];
  for (const body of pods) await core.createNamespacedPod({ namespace: "hooks", body });
  const s3Args = { endpoint: info.s3Endpoint, region: info.s3Region };
  const credentials = { accessKeyId: info.s3AccessKeyId, secretAccessKey: info.s3SecretAccessKey };
  await create("BackupStorageLocation", {
    resourceKind: "BackupStorageLocation",
    locationName: "main",
    default: true,
    objectStorage: { bucket: "bi-main", ...s3Args },
    credentials,
  });
  await create("BackupStorageLocation", {
    resourceKind: "BackupStorageLocation",
    locationName: "archive",
    accessMode: "ReadOnly",
    objectStorage: { bucket: "bi-main", prefix: "archive", ...s3Args },
    credentials,
  });
  await create("Backup", {
    resourceKind: "Backup",
    resourceName: "app-nightly",
    requestedName: "app-nightly",
    storageLocation: "main",
    target: { namespaces: ["app"] },
  });
  // Suspended: a scheduled run during the table would be a change the table did not make.
  await create("BackupPlan", {
    resourceKind: "BackupPlan",
    planName: "nightly",
    target: { namespace: "app" },
    storageLocation: "main",
    schedule: { cron: "0 2 * * *", suspend: true },
    retention: { daily: 7 },
  });
  fs.writeFileSync(
    path.join(runDir, "public-key.txt"),
    "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n",
  );
}

/**
 * Snapshots until two in a row agree: controllers finish filling new namespaces first, and a
 * just-established CRD may answer 429 ("storage is (re)initializing") for a moment.
 */
async function settledSnapshot(): Promise<WorldSnapshot> {
  let last: WorldSnapshot | undefined;
  for (let i = 0; i < 60; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 1000));
    const next = await snapshotWorld(kc, s3).catch((e: { code?: number }) => {
      if (e.code === 429) return undefined;
      throw e;
    });
    if (!next) continue;
    if (
      last &&
      diffSnapshots([...last.cluster, ...last.storage], [...next.cluster, ...next.storage]).added.length === 0 &&
      last.cluster.length + last.storage.length === next.cluster.length + next.storage.length
    )
      return next;
    last = next;
  }
  throw new Error("the stack did not settle within 60s");
}

/**
 * Runs a row; returns the message the person would see, after checking how it was refused: a
 * check failure on exactly the row's field; a create that passed check and then failed; a CLI exit
 * code 1 with nothing on stdout; a failed `pulumi preview`.
 */
async function refusal(row: BadInputRow): Promise<string> {
  if (row.via === "cli") {
    const r = await runHks(subst(row.argv), env);
    expect(r.code, `exit code; stderr: ${r.stderr}`).toBe(1);
    expect(r.stdout, "no result is printed for a refused command").toBe("");
    return r.stderr;
  }
  if (row.via === "preview") {
    project ??= await pulumiProject(PROGRAM, stackEnv(info));
    await project.setConfig("resource", JSON.stringify({ kind: row.kind, name: "bad", args: subst(row.args) }));
    const r = await project.run(["preview"], { allowFailure: true });
    expect(r.code, "pulumi preview fails").not.toBe(0);
    // The engine looks a failure's value up as a top-level input: never `value {<nil>}` (issue 15).
    expect(r.stdout + r.stderr).not.toContain("<nil>");
    expect(r.stdout + r.stderr).toContain(`${row.field}: `);
    return r.stdout + r.stderr;
  }
  const { inputs, failures } = (await dispatch(row.kind, "check", [{}, { ...subst(row.inputs), kubeconfig }])) as {
    inputs: unknown;
    failures: { property: string; reason: string }[];
  };
  if (row.via === "check") {
    // A nested path (or an input left out) reaches the engine in the reason (provider/check-failures.ts).
    const f = failures.find(
      (x) => x.property === row.field || (x.property === "" && x.reason.startsWith(`${row.field}: `)),
    );
    expect(f, `a failure on ${row.field}; got ${JSON.stringify(failures)}`).toBeDefined();
    return f!.property ? `${f!.property}: ${f!.reason}` : f!.reason;
  }
  expect(failures, "a create row passes check (check is pure; this needs the cluster)").toEqual([]);
  const err = await dispatch(row.kind, "create", [inputs]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "create fails").toBeInstanceOf(Error);
  return (err as Error).message;
}

beforeAll(async () => {
  info = await upStack(runDir, ensureTools(), (l) => process.stderr.write(`[bad-inputs stack] ${l}\n`));
  env = { ...(process.env as Record<string, string>), ...stackEnv(info) };
  kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  kubeconfig = fs.readFileSync(info.kubeconfig, "utf8");
  s3 = new S3Client({
    endpoint: info.s3Endpoint,
    region: info.s3Region,
    forcePathStyle: true,
    credentials: { accessKeyId: info.s3AccessKeyId, secretAccessKey: info.s3SecretAccessKey },
  });
  await createFixtures();
  before = await settledSnapshot();
  console.log(
    `before the table: ${before.cluster.length} Kubernetes objects; buckets ${storageSummary(before.storage)}`,
  );
}, 300_000);

afterAll(async () => {
  await project?.dispose();
  s3?.destroy();
  await downStack(runDir, () => undefined);
  fs.rmSync(runDir, { recursive: true, force: true });
}, 120_000);

/** Issue 8's categories, each of which the table must cover. */
const TOPICS = [
  "cron",
  "time zone",
  "bucket name",
  "endpoint",
  "retention",
  "selector",
  "namespace mapping",
  "hook annotation",
  "recipients",
  "name too long",
  "unknown location",
  "unknown context",
  "policy value",
  "identity",
  "namespace",
  "plan",
];

describe(`bad inputs: ${BAD_INPUT_ROWS.length} rows, every one refused by name with a fix, nothing created`, () => {
  it("covers the four resources (dispatch and pulumi preview), the hks commands and issue 8's categories", () => {
    const kinds = new Set(BAD_INPUT_ROWS.flatMap((r) => (r.via === "cli" ? [] : [`${r.kind} ${r.via}`])));
    for (const kind of ["BackupStorageLocation", "BackupPlan", "Backup", "Restore"]) {
      for (const via of ["check", "create", "preview"])
        expect(kinds, `${kind} through ${via}`).toContain(`${kind} ${via}`);
    }
    const commands = BAD_INPUT_ROWS.flatMap((r) => (r.via === "cli" ? [r.argv.join(" ")] : []));
    for (const c of [
      "backup create",
      "backup describe",
      "backup list",
      "backup delete",
      "restore create",
      "restore describe",
      "run-plan",
    ]) {
      expect(
        commands.some((a) => a.includes(c)),
        c,
      ).toBe(true);
    }
    expect(TOPICS.filter((t) => !BAD_INPUT_ROWS.some((r) => r.topic === t))).toEqual([]);
    expect(BAD_INPUT_ROWS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(BAD_INPUT_ROWS.map((r) => [`${r.via} ${r.name}`, r] as const))("%s", async (_label, row) => {
    const message = await refusal(row);
    expect(message, "the message names the field, flag, or pod and annotation").toContain(row.field);
    expect(message, "the message says how to fix it").toMatch(row.fix);
  });

  it("left every namespace, object, bucket, object version and upload as it was", async () => {
    const after = await snapshotWorld(kc, s3);
    console.log(
      `after the table: ${after.cluster.length} Kubernetes objects; buckets ${storageSummary(after.storage)}`,
    );
    expect(diffSnapshots(before.cluster, after.cluster)).toEqual({ added: [], removed: [] });
    expect(diffSnapshots(before.storage, after.storage)).toEqual({ added: [], removed: [] });
  });

  it("(control) the snapshot does see a ConfigMap and an object being written", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const start = await snapshotWorld(kc, s3);
    await core.createNamespacedConfigMap({ namespace: "hks-system", body: { metadata: { name: "bi-control" } } });
    await s3.send(new PutObjectCommand({ Bucket: "bi-main", Key: "control.txt", Body: "x" }));
    const changed = await snapshotWorld(kc, s3);
    await core.deleteNamespacedConfigMap({ name: "bi-control", namespace: "hks-system" });
    await s3.send(new DeleteObjectCommand({ Bucket: "bi-main", Key: "control.txt" }));
    expect(diffSnapshots(start.cluster, changed.cluster).added).toEqual([
      expect.stringMatching(/^ConfigMap hks-system\/bi-control uid=/),
    ]);
    expect(diffSnapshots(start.storage, changed.storage).added).toEqual([
      expect.stringMatching(/^object bi-main\/control\.txt@/),
    ]);
  });
});
