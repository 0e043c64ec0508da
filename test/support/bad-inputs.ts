/**
 * Support for the bad-inputs table (test/integration/bad-inputs.integ.spec.ts): a snapshot of
 * everything a rejected input could have created (Kubernetes objects and MinIO buckets, objects,
 * versions and uploads), the row shapes, and how each row is run: through the provider's real
 * entry `dispatch`, the compiled `hks` CLI, or the real `pulumi preview`.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import {
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import * as k8s from "@kubernetes/client-node";
import type { ResourceKind } from "../../provider/kinds";

const ROOT = path.resolve(__dirname, "..", "..");

/** What the world looks like: one sorted line per object, version or upload. */
export interface WorldSnapshot {
  readonly cluster: string[];
  readonly storage: string[];
}

type Listed = { items: Array<{ metadata?: k8s.V1ObjectMeta }> };

/** `<kind> <namespace>/<name> uid=<uid> rv=<resourceVersion>` for every item (rv catches overwrites). */
function lines(kind: string, list: Listed, withVersion = true): string[] {
  return list.items.map((o) => {
    const m = o.metadata ?? {};
    return (
      `${kind} ${m.namespace ? `${m.namespace}/` : ""}${m.name} ` +
      `uid=${m.uid}${withVersion ? ` rv=${m.resourceVersion}` : ""}`
    );
  });
}

/**
 * Every namespace; every ConfigMap, Secret, ServiceAccount, Pod, PVC, CronJob, Job, Role and
 * RoleBinding in any namespace; ClusterRoles and ClusterRoleBindings; VolumeSnapshots and
 * VolumeSnapshotContents. Leases and Events change on their own and say nothing about us.
 */
export async function snapshotCluster(kc: k8s.KubeConfig): Promise<string[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const snap = (plural: string) =>
    custom.listClusterCustomObject({ group: "snapshot.storage.k8s.io", version: "v1", plural }) as Promise<Listed>;
  const all = await Promise.all([
    core.listNamespace().then((l) => lines("Namespace", l)),
    core.listConfigMapForAllNamespaces().then((l) => lines("ConfigMap", l)),
    core.listSecretForAllNamespaces().then((l) => lines("Secret", l)),
    core.listServiceAccountForAllNamespaces().then((l) => lines("ServiceAccount", l)),
    core.listPodForAllNamespaces().then((l) => lines("Pod", l, false)),
    core.listPersistentVolumeClaimForAllNamespaces().then((l) => lines("PersistentVolumeClaim", l, false)),
    batch.listCronJobForAllNamespaces().then((l) => lines("CronJob", l)),
    batch.listJobForAllNamespaces().then((l) => lines("Job", l, false)),
    rbac.listRoleForAllNamespaces().then((l) => lines("Role", l)),
    rbac.listRoleBindingForAllNamespaces().then((l) => lines("RoleBinding", l)),
    // Aggregated ClusterRoles are rewritten by a controller: their uid, not their version.
    rbac.listClusterRole().then((l) => lines("ClusterRole", l, false)),
    rbac.listClusterRoleBinding().then((l) => lines("ClusterRoleBinding", l, false)),
    snap("volumesnapshots").then((l) => lines("VolumeSnapshot", l)),
    snap("volumesnapshotcontents").then((l) => lines("VolumeSnapshotContent", l)),
  ]);
  return all.flat().sort();
}

/** Every bucket, and in each every object version, delete marker and incomplete multipart upload. */
export async function snapshotStorage(s3: S3Client): Promise<string[]> {
  const out: string[] = [];
  for (const b of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
    const Bucket = b.Name!;
    out.push(`bucket ${Bucket}`);
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    do {
      const r = await s3.send(new ListObjectVersionsCommand({ Bucket, KeyMarker, VersionIdMarker }));
      for (const v of r.Versions ?? []) out.push(`object ${Bucket}/${v.Key}@${v.VersionId} ${v.ETag} ${v.Size}`);
      for (const d of r.DeleteMarkers ?? []) out.push(`delete-marker ${Bucket}/${d.Key}@${d.VersionId}`);
      [KeyMarker, VersionIdMarker] = r.IsTruncated ? [r.NextKeyMarker, r.NextVersionIdMarker] : [undefined, undefined];
    } while (KeyMarker);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket }));
    for (const u of uploads.Uploads ?? []) out.push(`upload ${Bucket}/${u.Key} ${u.UploadId}`);
  }
  return out.sort();
}

/** Both snapshots at once. */
export async function snapshotWorld(kc: k8s.KubeConfig, s3: S3Client): Promise<WorldSnapshot> {
  const [cluster, storage] = await Promise.all([snapshotCluster(kc), snapshotStorage(s3)]);
  return { cluster, storage };
}

/** Lines only in `after` (created or changed) and only in `before` (deleted or changed). */
export function diffSnapshots(
  before: readonly string[],
  after: readonly string[],
): { added: string[]; removed: string[] } {
  const b = new Set(before);
  const a = new Set(after);
  return { added: after.filter((l) => !b.has(l)), removed: before.filter((l) => !a.has(l)) };
}

/** Objects per bucket, for the test log: `bucket: n objects`. */
export function storageSummary(storage: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const l of storage) {
    const [kind, where] = l.split(" ");
    const bucket = where!.split("/")[0]!;
    if (kind === "bucket") counts.set(bucket, counts.get(bucket) ?? 0);
    else counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return [...counts].map(([b, n]) => `${b}: ${n}`).join(", ");
}

/** What every row has: a name, what it exercises, and what the message must say. */
interface RowBase {
  readonly name: string;
  /** The category from issue 8 the row covers (cron, time zone, bucket names, ...). */
  readonly topic: string;
  /** The field, flag, or pod+annotation the message must name (a literal substring). */
  readonly field: string;
  /** The fix the message must give. */
  readonly fix: RegExp;
}

/** A row run through `dispatch(kind, "check" | "create", ...)`, as the Pulumi engine calls it. */
export interface ProviderRow extends RowBase {
  readonly via: "check" | "create";
  readonly kind: ResourceKind;
  readonly inputs: Record<string, unknown>;
}

/** A row run as `node bin/hks.js <argv>`. */
export interface CliRow extends RowBase {
  readonly via: "cli";
  readonly argv: readonly string[];
}

/** A row run as `pulumi preview` of test/fixtures/programs/bad-inputs with one resource. */
export interface PreviewRow extends RowBase {
  readonly via: "preview";
  readonly kind: ResourceKind;
  readonly args: Record<string, unknown>;
}

export type BadInputRow = ProviderRow | CliRow | PreviewRow;

/** A process's exit code and output. */
export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the compiled CLI with `env` (nothing else inherited but PATH-like basics in it). */
export function runHks(argv: readonly string[], env: Record<string, string>): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, "bin", "hks.js"), ...argv],
      { cwd: ROOT, env, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === "number"
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
