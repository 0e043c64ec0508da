/**
 * The backup orchestrator against the in-memory store and a scripted API (velero tests its
 * `Backupper` the same way): the exact set of archive entries, paging, phases, and the failure
 * paths (upload broken, abort, a type that cannot be listed) with their records.
 */
import { Readable, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import * as YAML from "yaml";
import { readArchive } from "../../../../provider/engine/archive/archive";
import { runBackup } from "../../../../provider/engine/backup/backup";
import type { BackupDeps } from "../../../../provider/engine/backup/types";
import { decryptStream, generateIdentity } from "../../../../provider/engine/archive/encrypt";
import type { BackupFailure, BackupManifest } from "../../../../provider/format/manifest";
import type { ProgressEvent } from "../../../../provider/engine/progress";
import { KubeHttpError, type KubeReader } from "../../../../provider/kube/discovery";
import type { PodExecutor } from "../../../../provider/kube/exec";
import { STORE_LAYOUT, MemoryObjectStore, type ObjectStore, type PutOptions } from "../../../../provider/store";

const NS = "shop";
const cm = (name: string, labels: Record<string, string> = {}) => ({
  metadata: { name, namespace: NS, uid: "u", resourceVersion: "1", labels },
  data: { k: name },
});

/** A scripted API: discovery of configmaps/secrets/pods, paged lists, and the Namespace object. */
function fakeApi(
  objects: Record<string, object[]>,
  fail: Record<string, number> = {},
): KubeReader & { pageSizes: number[] } {
  const pageSizes: number[] = [];
  return {
    pageSizes,
    async getJson<T>(path: string): Promise<T> {
      const [p, q] = path.split("?");
      const params = new URLSearchParams(q);
      if (p === "/apis") return { groups: [] } as T;
      if (p === "/api/v1") {
        return {
          resources: ["configmaps", "secrets", "pods"].map((name) => ({
            name,
            kind: name,
            namespaced: true,
            verbs: ["get", "list"],
          })),
        } as T;
      }
      if (p === `/api/v1/namespaces/${NS}`)
        return {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: NS, uid: "x" },
          status: { phase: "Active" },
        } as T;
      const m = /^\/api\/v1\/namespaces\/[^/]+\/([a-z]+)$/.exec(p!);
      if (m) {
        if (fail[m[1]!]) throw new KubeHttpError(fail[m[1]!]!, path, { message: "forbidden by test" });
        const all = objects[m[1]!] ?? [];
        const limit = Number(params.get("limit"));
        const start = Number(params.get("continue") ?? 0);
        const items = all.slice(start, start + limit);
        pageSizes.push(items.length);
        const next = start + limit < all.length ? String(start + limit) : undefined;
        return {
          metadata: { continue: next, remainingItemCount: next ? all.length - start - limit : undefined },
          items,
        } as T;
      }
      if (p === "/apis/apiextensions.k8s.io/v1/customresourcedefinitions") return { items: [] } as T;
      throw new KubeHttpError(404, path, { message: "not found" });
    },
  };
}

const okExecutor: PodExecutor & { calls: string[] } = {
  calls: [],
  async exec(r) {
    okExecutor.calls.push(`${r.pod}:${r.command.join(" ")}`);
    return { exitCode: 0, stdout: "", stderr: "" };
  },
};

function deps(reader: KubeReader, store: ObjectStore, extra: Partial<BackupDeps> = {}): BackupDeps {
  let t = Date.parse("2026-05-01T10:00:00Z");
  return {
    reader,
    store,
    executor: okExecutor,
    recipients: [],
    sourceCluster: "https://k8s.example:6443",
    pageSize: 2,
    now: () => new Date((t += 1000)),
    ...extra,
  };
}

async function entries(store: ObjectStore, key: string, identity?: string): Promise<Map<string, unknown>> {
  let src: Readable = await store.getStream(key);
  if (identity) src = src.pipe(decryptStream([identity]));
  const out = new Map<string, unknown>();
  for await (const e of readArchive(src)) out.set(e.path, YAML.parse(e.content.toString()));
  return out;
}

describe("runBackup", () => {
  it("writes exactly the included objects, paged, sanitized, then the manifest last", async () => {
    const store = new MemoryObjectStore();
    const reader = fakeApi({
      configmaps: [cm("a"), cm("b"), cm("c"), cm("skip", { "hks.io/exclude-from-backup": "true" }), cm("d")],
      secrets: [cm("s")],
    });
    const events: ProgressEvent[] = [];
    const res = await runBackup(
      { name: "b1", storageLocation: "main", target: { namespaces: [NS] }, plan: "daily", labels: { env: "prod" } },
      deps(reader, store, { progress: (e) => events.push(e) }),
    );
    expect(res.phase).toBe("Completed");
    expect(res.excludedByLabel).toBe(1);
    expect(Math.max(...reader.pageSizes)).toBe(2); // never more than one page in hand
    const m = res.record as BackupManifest;
    const files = await entries(store, m.artifacts.resources.key);
    expect([...files.keys()].sort()).toEqual([
      `resources/configmaps/${NS}/a.yaml`,
      `resources/configmaps/${NS}/b.yaml`,
      `resources/configmaps/${NS}/c.yaml`,
      `resources/configmaps/${NS}/d.yaml`,
      `resources/namespaces/_cluster/${NS}.yaml`,
      `resources/secrets/${NS}/s.yaml`,
    ]);
    expect(files.get(`resources/configmaps/${NS}/a.yaml`)).toEqual({
      apiVersion: "v1",
      kind: "configmaps",
      metadata: { name: "a", namespace: NS, labels: {} },
      data: { k: "a" },
    });
    expect(files.get(`resources/namespaces/_cluster/${NS}.yaml`)).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NS },
    });
    expect(m).toMatchObject({
      formatVersion: 1,
      name: "b1",
      phase: "Completed",
      plan: "daily",
      labels: { env: "prod" },
      storageLocation: "main",
      sourceCluster: "https://k8s.example:6443",
      startedAt: "2026-05-01T10:00:01.000Z",
      counts: { total: 6, byResource: { configmaps: 4, namespaces: 1, secrets: 1 } },
      artifacts: { resources: { key: "hks/v1/backups/b1/resources.tar.gz", encrypted: false, objects: 6 } },
      volumeSnapshots: [],
      errors: [],
      warnings: [],
    });
    expect(m.artifacts.resources.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse((await store.tryGet(STORE_LAYOUT.backupManifestKey("b1")))!.toString())).toEqual(m);
    const last = events.filter((e) => e.step === "backup").at(-1);
    expect(last).toEqual({ step: "backup", done: 6, total: 6, bytes: m.uncompressedBytes });
  });

  it("encrypts to the location's recipients (.age key, fingerprints in the manifest)", async () => {
    const store = new MemoryObjectStore();
    const { identity, recipient } = await generateIdentity();
    const res = await runBackup(
      { name: "enc", storageLocation: "main", target: { namespaces: [NS] } },
      deps(fakeApi({ configmaps: [cm("a")] }), store, { recipients: [recipient] }),
    );
    const m = res.record as BackupManifest;
    expect(m.artifacts.resources.key).toBe("hks/v1/backups/enc/resources.tar.gz.age");
    expect(m.encryption?.recipientFingerprints).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/)]);
    expect(JSON.stringify(m)).not.toContain(recipient);
    expect([...(await entries(store, m.artifacts.resources.key, identity)).keys()]).toContain(
      `resources/configmaps/${NS}/a.yaml`,
    );
  });

  it("is PartiallyFailed when a type cannot be listed, naming it and the reason", async () => {
    const store = new MemoryObjectStore();
    const res = await runBackup(
      { name: "p1", storageLocation: "main", target: { namespaces: [NS] } },
      deps(fakeApi({ configmaps: [cm("a")] }, { secrets: 403 }), store),
    );
    expect(res.phase).toBe("PartiallyFailed");
    expect(res.record.errors).toEqual([
      {
        item: `secrets/${NS}`,
        reason:
          `listing failed: KubernetesError: GET /api/v1/namespaces/${NS}/secrets?limit=2: HTTP 403: forbidden by ` +
          `test`,
      },
    ]);
    expect(await store.tryGet(STORE_LAYOUT.backupManifestKey("p1"))).toBeDefined();
  });

  it("is Failed when the upload breaks: failure.json only, no archive, no manifest; post hooks still ran", async () => {
    const store = new MemoryObjectStore();
    const broken: ObjectStore = Object.assign(Object.create(store) as ObjectStore, {
      putStream: async (key: string, body: Readable, opts?: PutOptions) => {
        if (!key.includes("resources.tar")) return store.putStream(key, body, opts);
        let seen = 0;
        // As the S3 client does: the request fails, and the body it was reading is torn down.
        await new Promise<void>((_, reject) =>
          body.pipe(
            new Writable({
              write(c: Buffer, _e, cb) {
                seen += c.length;
                if (seen > 10) {
                  reject(new Error("S3 said: SlowDown"));
                  body.destroy();
                }
                cb();
              },
            }),
          ),
        );
        return store.putStream(key, body, opts);
      },
    });
    const objects = {
      configmaps: Array.from({ length: 50 }, (_, i) => cm(`cm-${i}`)),
      pods: [
        {
          metadata: { name: "db", namespace: NS, annotations: { "post.hook.backup.hks.io/command": "thaw" } },
          spec: { containers: [{ name: "c" }] },
        },
      ],
    };
    okExecutor.calls.length = 0;
    const res = await runBackup(
      { name: "f1", storageLocation: "main", target: { namespaces: [NS] } },
      deps(fakeApi(objects), broken),
    );
    expect(res.phase).toBe("Failed");
    const f = res.record as BackupFailure;
    expect(f.errors[0]).toEqual({ item: "backup", reason: "S3 said: SlowDown" });
    expect(f).toMatchObject({ phase: "Failed", name: "f1", storageLocation: "main", failedAt: expect.any(String) });
    const keys: string[] = [];
    for await (const e of store.list("hks/")) keys.push(e.key);
    expect(keys).toEqual(["hks/v1/backups/f1/failure.json"]);
    expect(okExecutor.calls).toEqual(["db:thaw"]);
    expect(f.hooks.map((h) => [h.phase, h.pod, h.outcome])).toEqual([["post", "db", "Succeeded"]]);
  });

  it(
    "is Failed when the manifest cannot be written: the archive this run wrote is removed, " + "failure.json says why",
    async () => {
      const store = new MemoryObjectStore();
      const flaky: ObjectStore = Object.assign(Object.create(store) as ObjectStore, {
        put: async (key: string, body: Buffer | string, opts?: PutOptions) => {
          if (key.endsWith("manifest.json")) throw new Error("AccessDenied: s3:PutObject on manifest.json");
          return store.put(key, body, opts);
        },
      });
      const res = await runBackup(
        { name: "m1", storageLocation: "main", target: { namespaces: [NS] } },
        deps(fakeApi({ configmaps: [cm("a")] }), flaky),
      );
      expect(res.phase).toBe("Failed");
      expect(res.record.errors[0]).toEqual({
        item: "backup",
        reason: "writing the backup's records failed: AccessDenied: s3:PutObject on manifest.json",
      });
      const keys: string[] = [];
      for await (const e of store.list("hks/")) keys.push(e.key);
      expect(keys).toEqual(["hks/v1/backups/m1/failure.json"]);
    },
  );

  it("refuses a taken name before doing anything, so the failure path can never delete another backup", async () => {
    const store = new MemoryObjectStore();
    await store.put(STORE_LAYOUT.backupManifestKey("taken"), "{}");
    await expect(
      runBackup({ name: "taken", storageLocation: "main", target: { namespaces: [NS] } }, deps(fakeApi({}), store)),
    ).rejects.toThrow(/ConflictError: a backup named "taken" already exists/);
    expect(await store.tryGet(STORE_LAYOUT.backupManifestKey("taken"))).toEqual(Buffer.from("{}"));
  });

  it("is Failed when aborted (the handler's deadline), leaving no manifest", async () => {
    const store = new MemoryObjectStore();
    const ac = new AbortController();
    ac.abort(new Error("Backup.create did not finish within 7200s"));
    const res = await runBackup(
      { name: "a1", storageLocation: "main", target: { namespaces: [NS] } },
      deps(fakeApi({ configmaps: [cm("a")] }), store, { signal: ac.signal }),
    );
    expect(res.phase).toBe("Failed");
    expect(res.record.errors[0]!.reason).toContain("did not finish within 7200s");
    expect(await store.tryGet(STORE_LAYOUT.backupManifestKey("a1"))).toBeUndefined();
  });
});
