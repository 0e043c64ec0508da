/**
 * The mover's orchestration against a scripted cluster: each outcome of the Pod (succeeded, failed,
 * stuck, gone, too slow) gives the right record, and every object created is removed, always.
 */
import { describe, expect, it } from "vitest";
import { copyVolumes, parseSummary, type MoverCluster } from "../../../../provider/engine/volume-data/mover";
import type { VolumeCopyJob } from "../../../../provider/engine/volume-data/select";
import type { KubeObject } from "../../../../provider/format/kube-object";
import type { LocationConfig } from "../../../../provider/kube/location-config";
import type { TargetRef } from "../../../../provider/kube/target-cluster";

const location: LocationConfig = {
  name: "main",
  namespace: "hks-system",
  provider: "generic",
  objectStorage: { bucket: "b", region: "us-east-1", prefix: "" },
  recipients: [],
  accessMode: "ReadWrite",
  default: true,
  credentials: { kind: "ambient" },
};
const job = (pvc: string): VolumeCopyJob => ({
  pvc: { namespace: "prod", name: pvc, requestedStorage: "1Gi" },
  snapshot: {
    namespace: "prod",
    persistentVolumeClaim: pvc,
    volumeSnapshot: `b-${pvc}`,
    snapshotHandle: `h-${pvc}`,
    driver: "d",
    readyToUse: true,
  },
});
const summary = {
  files: 3,
  dirs: 1,
  symlinks: 0,
  bytes: 1000,
  blobs: 3,
  newBlobs: 3,
  uploadedBytes: 1100,
  reusedBytes: 0,
  packs: 1,
  indexKey: "hks/v1/backups/b/volumes/prod/data.index.json",
  indexSha256: "a".repeat(64),
  seconds: 1.5,
  warnings: [],
};

type PodScript = (n: number) => Record<string, unknown> | undefined;

/** A cluster whose Pods go through `script(poll number)`; records creates and deletes. */
class ScriptedCluster implements MoverCluster {
  readonly created: string[] = [];
  readonly deleted: string[] = [];
  private polls = 0;
  constructor(
    private readonly script: PodScript,
    private readonly failCreate?: string,
  ) {}
  async create(obj: KubeObject): Promise<unknown> {
    if (obj.kind === this.failCreate) throw new Error(`injected: creating ${obj.kind} refused`);
    this.created.push(`${obj.kind}/${obj.metadata.name}`);
    return obj;
  }
  async get(ref: TargetRef): Promise<KubeObject | undefined> {
    if (ref.kind === "PersistentVolumeClaim")
      return { apiVersion: "v1", kind: ref.kind, metadata: { name: ref.name }, status: { phase: "Pending" } };
    const status = this.script(this.polls++);
    return status && { apiVersion: "v1", kind: "Pod", metadata: { name: ref.name }, status };
  }
  async delete(ref: TargetRef): Promise<void> {
    this.deleted.push(`${ref.kind}/${ref.name}`);
  }
  async logTail(): Promise<string> {
    return "  1.0 MiB / 2.0 MiB, 10 MiB/s";
  }
}

const terminated = (phase: string, t: Record<string, unknown>) => ({
  phase,
  containerStatuses: [{ state: { terminated: t } }],
});
const opts = { backup: "b", location, image: "runner:1", pollMs: 1, progressMs: 0 };

describe("copyVolumes", () => {
  it("records the Pod's summary and removes its objects in reverse order", async () => {
    const c = new ScriptedCluster((n) =>
      n < 2 ? { phase: "Running" } : terminated("Succeeded", { exitCode: 0, message: JSON.stringify(summary) }),
    );
    const lines: string[] = [];
    const r = await copyVolumes(c, [job("data")], { ...opts, log: (l) => lines.push(l) });
    expect(r.errors).toEqual([]);
    expect(r.records).toEqual([
      {
        namespace: "prod",
        persistentVolumeClaim: "data",
        volumeSnapshot: "b-data",
        indexKey: summary.indexKey,
        indexSha256: summary.indexSha256,
        files: 3,
        dirs: 1,
        symlinks: 0,
        bytes: 1000,
        uploadedBytes: 1100,
        reusedBytes: 0,
        packs: 1,
        seconds: 1.5,
      },
    ]);
    expect(c.created.map((x) => x.split("/")[0])).toEqual([
      "VolumeSnapshotContent",
      "VolumeSnapshot",
      "PersistentVolumeClaim",
      "Pod",
    ]);
    expect(c.deleted).toEqual([...c.created].reverse());
    expect(lines[0]).toBe("volume data prod/data: 1.0 MiB / 2.0 MiB, 10 MiB/s");
  });

  it.each([
    [
      "a failed Pod: the log's tail",
      () => terminated("Failed", { exitCode: 1, message: "a\nb\nhks: ENOSPC: no space left on device" }),
      /^the mover Pod hks-system\/hks-mover-data-\w+ failed \(exit 1\): a \| b \| hks: ENOSPC: no space left/,
    ],
    [
      "an image that cannot be pulled",
      () => ({
        phase: "Pending",
        containerStatuses: [{ state: { waiting: { reason: "ErrImagePull", message: "nope" } } }],
      }),
      /cannot start: ErrImagePull: nope$/,
    ],
    ["a Pod deleted by someone", () => undefined, /was deleted before it finished/],
    [
      "a success without a summary",
      () => terminated("Succeeded", { exitCode: 0, message: "" }),
      /succeeded but left no summary/,
    ],
  ] as [string, PodScript, RegExp][])("%s fails the copy with the reason", async (_, script, reason) => {
    const c = new ScriptedCluster(script);
    const r = await copyVolumes(c, [job("data"), job("logs")], opts);
    expect(r.records).toHaveLength(2);
    expect(r.records[0]).toEqual({
      namespace: "prod",
      persistentVolumeClaim: "data",
      volumeSnapshot: "b-data",
      error: expect.stringMatching(reason),
    });
    expect(r.errors.map((e) => e.item)).toEqual(["volume-data/prod/data", "volume-data/prod/logs"]);
    expect(c.deleted.sort()).toEqual(c.created.sort());
    expect(c.created).toHaveLength(8);
  });

  it("a copy past its deadline says how long and what the claim was doing", async () => {
    let t = 0;
    const c = new ScriptedCluster(() => ({ phase: "Pending" }));
    const r = await copyVolumes(c, [job("data")], { ...opts, timeoutMs: 5000, now: () => (t += 1000) });
    expect(r.records[0]!.error).toBe(
      "the mover did not finish within 5s (Pod Pending, its PersistentVolumeClaim Pending); its objects were removed",
    );
    expect(c.deleted).toHaveLength(4);
  });

  it("an object that cannot be created fails the copy and removes the ones created before it", async () => {
    const c = new ScriptedCluster(() => ({ phase: "Running" }), "PersistentVolumeClaim");
    const r = await copyVolumes(c, [job("data")], opts);
    expect(r.records[0]!.error).toBe("injected: creating PersistentVolumeClaim refused");
    expect(c.created.map((x) => x.split("/")[0])).toEqual(["VolumeSnapshotContent", "VolumeSnapshot"]);
    expect(c.deleted).toEqual([...c.created].reverse());
  });

  it("an aborted run removes the objects too", async () => {
    const ac = new AbortController();
    const c = new ScriptedCluster((n) => {
      if (n === 1) ac.abort(new Error("aborted by the test"));
      return { phase: "Running" };
    });
    const r = await copyVolumes(c, [job("data")], { ...opts, signal: ac.signal });
    expect(r.records[0]!.error).toBe("aborted by the test");
    expect(c.deleted).toHaveLength(4);
  });
});

describe("parseSummary", () => {
  it("accepts the push's JSON and refuses anything else", () => {
    expect(parseSummary(JSON.stringify(summary), "p").indexKey).toBe(summary.indexKey);
    expect(() => parseSummary("{}", "p")).toThrow(/left no summary/);
    expect(() => parseSummary("Error: boom", "p")).toThrow(/"Error: boom"/);
  });
});
