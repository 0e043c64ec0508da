/**
 * Claims restored from volume data (VolumeRestorer with a volume data source): which source a claim
 * gets for each `volumeSource`, the fill after the claims' tier (its Pod and Secret created, then
 * removed), and a failed fill reported as a failed item, not a silent empty volume.
 */
import { describe, expect, it } from "vitest";
import { RestoreOutcomes } from "../../../../provider/engine/restore/result";
import { chooseVolumeSource, VolumeRestorer, type VolumeDataSource } from "../../../../provider/engine/restore/volumes";
import type { VolumeSource } from "../../../../provider/engine/restore/types";
import type { KubeObject } from "../../../../provider/format/kube-object";
import type { VolumeDataRecord, VolumeSnapshotRecord } from "../../../../provider/format/manifest";
import type { LocationConfig } from "../../../../provider/kube/location-config";
import type { MoverCluster, RestoreCluster, TargetRef } from "../../../../provider/kube/target-cluster";

const location: LocationConfig = {
  name: "main",
  namespace: "hks-system",
  provider: "generic",
  objectStorage: { bucket: "b", region: "us-east-1", prefix: "" },
  recipients: ["age1xyz"],
  accessMode: "ReadWrite",
  default: true,
  credentials: { kind: "ambient" },
};
const snapshot: VolumeSnapshotRecord = {
  namespace: "prod",
  persistentVolumeClaim: "data",
  volumeSnapshot: "b1-data",
  snapshotHandle: "h1",
  driver: "d",
  readyToUse: true,
};
const data: VolumeDataRecord = {
  namespace: "prod",
  persistentVolumeClaim: "data",
  volumeSnapshot: "b1-data",
  indexKey: "hks/v1/backups/b1/volumes/prod/data.index.json.age",
  indexSha256: "a".repeat(64),
  files: 3,
};
const pull = { files: 3, dirs: 1, symlinks: 0, bytes: 2 * 1024 * 1024, blobs: 1, packs: 1, indexKey: data.indexKey };

/** Target cluster and mover port in one: records calls; the fill Pod ends as `podEnd` says. */
class Cluster implements MoverCluster {
  readonly calls: string[] = [];
  readonly live = new Set<string>();
  constructor(private readonly podEnd: Record<string, unknown>) {}
  private key = (r: TargetRef) => `${r.kind} ${r.namespace ?? ""}/${r.name}`;
  async create(o: KubeObject) {
    this.calls.push(`create ${this.key({ ...o, name: o.metadata.name, namespace: o.metadata.namespace })}`);
    this.live.add(this.key({ ...o, name: o.metadata.name, namespace: o.metadata.namespace }));
    return o;
  }
  async get(r: TargetRef): Promise<KubeObject | undefined> {
    if (!this.live.has(this.key(r))) return undefined;
    const base = { apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name, namespace: r.namespace } };
    return r.kind === "Pod" ? { ...base, status: this.podEnd } : base;
  }
  async delete(r: TargetRef) {
    this.calls.push(`delete ${this.key(r)}`);
    this.live.delete(this.key(r));
  }
  async logTail() {
    return "";
  }
}

const claim = (ns: string): KubeObject => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name: "data", namespace: ns },
  spec: { accessModes: ["ReadWriteOnce"], dataSource: { kind: "VolumeSnapshot", name: "stale" } },
});

function restorer(source: VolumeSource, cluster: Cluster, records: VolumeDataRecord[] = [data]) {
  const outcomes = new RestoreOutcomes();
  const ds: VolumeDataSource = {
    backup: "b1",
    records,
    identities: ["AGE-SECRET-KEY-1TEST"],
    deps: async () => ({ cluster, location, image: "runner:1" }),
    run: { pollMs: 1 },
  };
  const v = new VolumeRestorer(cluster as unknown as RestoreCluster, "r1", [snapshot], outcomes, source, ds);
  return { v, outcomes };
}

const succeeded = {
  phase: "Succeeded",
  containerStatuses: [{ state: { terminated: { exitCode: 0, message: JSON.stringify(pull) } } }],
};

describe("VolumeRestorer with volume data", () => {
  it("volume-data: the claim is applied without a data source, then filled by a Pod that is removed", async () => {
    const c = new Cluster(succeeded);
    const { v, outcomes } = restorer("volume-data", c);
    const out = await v.prepare(claim("staging"), "prod");
    expect((out.spec as Record<string, unknown>).dataSource).toBeUndefined();
    expect(v.volumes).toEqual([{ claim: "staging/data", source: "volume data of prod/data (to be copied in)" }]);
    await c.create(out); // the claims' tier applies it
    await v.fillPending();
    expect(v.volumes[0]!.source).toBe("volume data of prod/data: 3 files, 2.0 MiB, every blob checked");
    expect(outcomes.failedCount).toBe(0);
    const mover = c.calls.filter((x) => !x.includes("PersistentVolumeClaim"));
    expect(mover.map((x) => x.replace(/hks-mover-data-\w+/, "M"))).toEqual([
      "create Secret staging/M",
      "create Pod staging/M",
      "delete Pod staging/M",
      "delete Secret staging/M",
    ]);
  });

  it.each([
    ["auto, the snapshot still in the source namespace here: the snapshot", "auto", "prod", true, "VolumeSnapshot"],
    ["auto, another namespace: volume data", "auto", "staging", false, "volume data"],
    ["auto, the snapshot gone: volume data", "auto", "prod", false, "volume data"],
    ["snapshot: never volume data", "snapshot", "staging", false, "VolumeSnapshotContent"],
  ] as [string, VolumeSource, string, boolean, string][])("%s", async (_, source, ns, snapshotLives, expected) => {
    const c = new Cluster(succeeded);
    if (snapshotLives) c.live.add("VolumeSnapshot prod/b1-data");
    const { v } = restorer(source, c);
    await v.prepare(claim(ns), "prod");
    expect(v.volumes[0]!.source.startsWith(expected)).toBe(true);
  });

  it("a snapshot deleted after its copy (keepSnapshots: false) is never bound: auto reads the copy, snapshot says why", async () => {
    const dropped = { ...snapshot, deletedAfterCopy: true };
    const c = new Cluster(succeeded);
    const outcomes = new RestoreOutcomes();
    const auto = new VolumeRestorer(c as unknown as RestoreCluster, "r1", [dropped], outcomes, "auto", {
      backup: "b1",
      records: [data],
      identities: [],
      deps: async () => ({ cluster: c, location, image: "runner:1" }),
    });
    await auto.prepare(claim("prod"), "prod");
    expect(auto.volumes[0]!.source).toBe("volume data of prod/data (to be copied in)");
    const only = new VolumeRestorer(c as unknown as RestoreCluster, "r2", [dropped], outcomes, "snapshot");
    await only.prepare(claim("staging"), "prod");
    expect(only.volumes[0]!.source).toBe(
      "none: its snapshot b1-data was deleted once its data was copied (keepSnapshots: false); restore with " +
        "volumeSource volume-data",
    );
    expect(c.calls.filter((x) => x.startsWith("create"))).toEqual([]);
  });

  it("volume-data for a claim the backup holds no copy of: a new empty volume, with a warning", async () => {
    const c = new Cluster(succeeded);
    const { v, outcomes } = restorer("volume-data", c, [{ ...data, indexKey: undefined, error: "mover failed" }]);
    await v.prepare(claim("staging"), "prod");
    expect(v.volumes[0]!.source).toBe("none: the backup holds no volume data of it (volumeSource volume-data)");
    expect(outcomes.warnings()).toEqual([
      "PVC staging/data: the backup holds no volume data of it (volumeSource volume-data); it gets a new empty volume",
    ]);
  });

  it("a fill that fails is a failed item naming the claim and the Pod's reason; nothing is left", async () => {
    const c = new Cluster({
      phase: "Failed",
      containerStatuses: [
        { state: { terminated: { exitCode: 1, message: "hks: blob 1a2b failed its SHA-256 check" } } },
      ],
    });
    const { v, outcomes } = restorer("volume-data", c);
    await c.create(await v.prepare(claim("staging"), "prod"));
    await v.fillPending();
    expect(outcomes.failedGroups()).toEqual([
      {
        reason: expect.stringMatching(
          /^filling the claim from volume data failed: the mover Pod staging\/hks-mover-data-\w+ failed \(exit 1\): hks: blob 1a2b failed its SHA-256 check$/,
        ),
        count: 1,
        items: ["volume-data/staging/data"],
      },
    ]);
    expect(v.volumes[0]!.source).toMatch(/^none: filling the claim from volume data failed/);
    expect([...c.live]).toEqual(["PersistentVolumeClaim staging/data"]);
  });

  it("a claim that was not created is not filled", async () => {
    const c = new Cluster(succeeded);
    const { v, outcomes } = restorer("volume-data", c);
    await v.prepare(claim("staging"), "prod");
    await v.fillPending();
    expect(c.calls.filter((x) => x.startsWith("create"))).toEqual([]);
    expect(outcomes.failedGroups()[0]!.reason).toMatch(/the claim was not created/);
  });
});

describe("chooseVolumeSource (pure)", () => {
  it.each([
    ["volume-data", true, true, "volume-data"],
    ["volume-data", true, false, "volume-data"],
    ["volume-data", false, true, "none"],
    ["volume-data", false, false, "none"],
    ["auto", true, true, "snapshot"],
    ["auto", true, false, "volume-data"],
    ["auto", false, true, "snapshot"],
    ["auto", false, false, "snapshot"],
    ["snapshot", true, true, "snapshot"],
    ["snapshot", true, false, "snapshot"],
    ["snapshot", false, false, "snapshot"],
  ] as [VolumeSource, boolean, boolean, string][])(
    "%s, volume data %s, snapshot in place %s: %s",
    (mode, hasData, inPlace, want) => {
      let asked = 0;
      const got = chooseVolumeSource(mode, hasData, () => (asked++, inPlace));
      expect(got).toBe(want);
      // Only auto with volume data needs to know about the snapshot (a cluster read).
      expect(asked).toBe(mode === "auto" && hasData ? 1 : 0);
    },
  );
});
