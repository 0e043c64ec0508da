/** The mover's objects: where they live, what the Pod may read, and that no credential is in them. */
import { describe, expect, it } from "vitest";
import { InputError } from "../../../provider/errors";
import type { LocationConfig } from "../../../provider/kube/location-config";
import {
  moverLocationProblem,
  moverName,
  renderFill,
  renderMover,
  type MoverRequest,
} from "../../../provider/kube/mover-render";

const location: LocationConfig = {
  name: "main",
  namespace: "hks-system",
  provider: "generic",
  objectStorage: { bucket: "b", region: "us-east-1", endpoint: "http://10.0.0.9:9000", prefix: "p" },
  recipients: ["age1xyz"],
  accessMode: "ReadWrite",
  default: true,
  credentials: {
    kind: "secret",
    name: "hks-location-main-credentials",
    namespace: "hks-system",
    accessKeyIdKey: "AWS_ACCESS_KEY_ID",
    secretAccessKeyKey: "AWS_SECRET_ACCESS_KEY",
  },
};
const request: MoverRequest = {
  backup: "nightly-20261202",
  namespace: "production",
  pvc: "pg-data",
  requestedStorage: "1Gi",
  snapshot: {
    namespace: "production",
    persistentVolumeClaim: "pg-data",
    volumeSnapshot: "nightly-20261202-pg-data",
    volumeSnapshotClass: "csi-hostpath",
    snapshotHandle: "snap-123",
    driver: "hostpath.csi.hks.dev",
    storageClass: "standard",
    restoreSize: "2Gi",
    readyToUse: true,
  },
  location,
  image: "ghcr.io/hks-backup/runner:0.1.0",
};

describe("renderMover", () => {
  const o = renderMover(request);
  const name = moverName(request.backup, "production", "pg-data");

  it("binds a Retain content to the backup's snapshot handle, in the location's namespace", () => {
    expect(o.content.metadata).toMatchObject({ name });
    expect(o.content.metadata.namespace).toBeUndefined();
    expect(o.content.spec).toEqual({
      deletionPolicy: "Retain",
      driver: "hostpath.csi.hks.dev",
      source: { snapshotHandle: "snap-123" },
      volumeSnapshotClassName: "csi-hostpath",
      volumeSnapshotRef: {
        apiVersion: "snapshot.storage.k8s.io/v1",
        kind: "VolumeSnapshot",
        name,
        namespace: "hks-system",
      },
    });
    expect(o.snapshot.metadata.namespace).toBe("hks-system");
    expect(o.snapshot.spec).toMatchObject({ source: { volumeSnapshotContentName: name } });
  });

  it("sizes the claim by the snapshot's restoreSize, in the source's StorageClass", () => {
    expect(o.claim.spec).toEqual({
      accessModes: ["ReadWriteOnce"],
      storageClassName: "standard",
      resources: { requests: { storage: "2Gi" } },
      dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name },
    });
    const noSize = renderMover({ ...request, snapshot: { ...request.snapshot, restoreSize: undefined } });
    expect((noSize.claim.spec as { resources: unknown }).resources).toEqual({ requests: { storage: "1Gi" } });
  });

  it("runs the push as root with the volume read-only, no API token, and keys only by Secret reference", () => {
    const spec = o.pod.spec as Record<string, any>;
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.restartPolicy).toBe("Never");
    expect(spec.securityContext).toEqual({ runAsUser: 0, runAsGroup: 0 });
    const c = spec.containers[0];
    expect(c.image).toBe("ghcr.io/hks-backup/runner:0.1.0");
    expect(c.args).toEqual([
      "volume-data",
      "push",
      "--source",
      "/data",
      "--pvc",
      "production/pg-data",
      "--backup",
      "nightly-20261202",
      "--location-file",
      "/etc/hks/location/location.json",
      "--summary-file",
      "/dev/termination-log",
    ]);
    expect(c.terminationMessagePolicy).toBe("FallbackToLogsOnError");
    expect(c.volumeMounts).toEqual([
      { name: "source", mountPath: "/data", readOnly: true },
      { name: "location", mountPath: "/etc/hks/location", readOnly: true },
    ]);
    expect(spec.volumes).toEqual([
      { name: "source", persistentVolumeClaim: { claimName: name, readOnly: true } },
      { name: "location", configMap: { name: "hks-location-main" } },
    ]);
    expect(c.env).toEqual([
      {
        name: "AWS_ACCESS_KEY_ID",
        valueFrom: { secretKeyRef: { name: "hks-location-main-credentials", key: "AWS_ACCESS_KEY_ID" } },
      },
      {
        name: "AWS_SECRET_ACCESS_KEY",
        valueFrom: { secretKeyRef: { name: "hks-location-main-credentials", key: "AWS_SECRET_ACCESS_KEY" } },
      },
    ]);
    expect(JSON.stringify(o)).not.toMatch(/"value"/);
  });

  it("labels every object with the backup, and names stay valid for long names", () => {
    for (const x of Object.values(o)) expect(x.metadata.labels?.["hks.io/volume-data-mover"]).toBe(request.backup);
    const long = moverName("b".repeat(200), "ns", "P".repeat(200) + "_x");
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(moverName("a", "ns", "p")).not.toBe(moverName("b", "ns", "p"));
  });

  it("mounts an NFS location's share where its record says, and sets no keys", () => {
    const nfs: LocationConfig = {
      ...location,
      objectStorage: undefined,
      nfs: { server: "10.0.0.5", path: "/exports/backups", localPath: "/mnt/backups" },
      credentials: { kind: "ambient" },
    };
    const pod = renderMover({ ...request, location: nfs }).pod.spec as Record<string, any>;
    expect(pod.volumes).toContainEqual({ name: "nfs", nfs: { server: "10.0.0.5", path: "/exports/backups" } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: "nfs", mountPath: "/mnt/backups" });
    expect(pod.containers[0].env).toEqual([]);
  });
});

describe("moverLocationProblem", () => {
  it("refuses a ReadOnly location and credentials in another namespace, naming the fix", () => {
    expect(moverLocationProblem(location)).toBeUndefined();
    expect(moverLocationProblem({ ...location, accessMode: "ReadOnly" })).toMatch(/is ReadOnly \(restore only\)/);
    const elsewhere = { ...location, credentials: { ...location.credentials, namespace: "vault" } } as LocationConfig;
    expect(moverLocationProblem(elsewhere)).toMatch(
      /Secret vault\/hks-location-main-credentials, outside the location's namespace hks-system.*put the Secret in hks-system/,
    );
    expect(() => renderMover({ ...request, location: elsewhere })).toThrow(InputError);
  });
});

describe("renderFill", () => {
  const fill = renderFill({
    restoreName: "clone-1",
    backup: "nightly-20261202",
    sourceNamespace: "production",
    sourcePvc: "pg-data",
    namespace: "staging",
    claim: "pg-data",
    location,
    credentials: { accessKeyId: "AKIA-TEST", secretAccessKey: "s3cr3t" },
    identities: ["AGE-SECRET-KEY-1ABC"],
    image: "ghcr.io/hks-backup/runner:0.1.0",
  });

  it("puts the location's record, keys and identity in a Secret of the claim's namespace, and none in the Pod", () => {
    expect(fill.secret.metadata.namespace).toBe("staging");
    expect(Object.keys(fill.secret.stringData as object).sort()).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "HKS_AGE_IDENTITY",
      "location.json",
    ]);
    const pod = JSON.stringify(fill.pod);
    for (const secret of ["AKIA-TEST", "s3cr3t", "AGE-SECRET-KEY-1ABC"]) expect(pod).not.toContain(secret);
    const c = (fill.pod.spec as Record<string, any>).containers[0];
    expect(c.env.map((e: { name: string }) => e.name).sort()).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "HKS_AGE_IDENTITY",
    ]);
  });

  it("pulls the source PVC's data into the claim, mounted read-write, as root", () => {
    const spec = fill.pod.spec as Record<string, any>;
    expect(spec.securityContext).toEqual({ runAsUser: 0, runAsGroup: 0 });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.containers[0].args).toEqual([
      "volume-data",
      "pull",
      "--target",
      "/data",
      "--pvc",
      "production/pg-data",
      "--backup",
      "nightly-20261202",
      "--location-file",
      "/etc/hks/location/location.json",
      "--summary-file",
      "/dev/termination-log",
    ]);
    expect(spec.volumes[0]).toEqual({ name: "target", persistentVolumeClaim: { claimName: "pg-data" } });
    expect(spec.containers[0].volumeMounts[0]).toEqual({ name: "target", mountPath: "/data" });
    expect(fill.pod.metadata.labels?.["hks.io/volume-data-mover"]).toBe("clone-1");
  });
});
