/**
 * The dashboard's backup detail and restores pages through hono's request API, over records as the
 * catalog and the restore records return them.
 */
import { describe, expect, it } from "vitest";
import { createUiApp, TOKEN_COOKIE } from "../../../../cli/ui/app";
import { duration } from "../../../../cli/ui/record-pages";
import type { BackupDescription } from "../../../../provider/engine/catalog/catalog";
import type { RestoreResult } from "../../../../provider/engine/restore/types";
import type { DrillRecord } from "../../../../provider/format/drill";
import type { CatalogView } from "../../../../provider/prepare/catalog-view";

const name = "db-20260310010000";
const desc: BackupDescription = {
  summary: {
    name,
    phase: "PartiallyFailed",
    storageLocation: "main",
    plan: "db",
    labels: { env: "prod" },
    startedAt: "2026-03-10T01:00:00Z",
    completedAt: "2026-03-10T01:01:30Z",
    items: 3,
    bytes: 4096,
    errors: 1,
    warnings: 1,
  },
  manifest: {
    formatVersion: 1,
    name,
    phase: "PartiallyFailed",
    plan: "db",
    labels: { env: "prod" },
    storageLocation: "main",
    sourceCluster: "https://prod.example",
    target: { namespaces: ["shop"] },
    startedAt: "2026-03-10T01:00:00Z",
    completedAt: "2026-03-10T01:01:30Z",
    counts: { total: 3, byResource: { configmaps: 2, "statefulsets.apps": 1 } },
    uncompressedBytes: 9000,
    artifacts: {
      resources: {
        key: `hks/v1/backups/${name}/resources.tar.gz.age`,
        bytes: 4000,
        sha256: "ab".repeat(32),
        encrypted: true,
        objects: 3,
      },
    },
    encryption: { format: "age", recipientFingerprints: ["age1fp"] },
    volumeSnapshots: [
      {
        namespace: "shop",
        persistentVolumeClaim: "data-db-0",
        volumeSnapshot: "db-snap-1",
        volumeSnapshotClass: "csi-snap",
        restoreSize: "1Gi",
        readyToUse: true,
      },
      {
        namespace: "shop",
        persistentVolumeClaim: "data-db-1",
        volumeSnapshot: "db-snap-2",
        readyToUse: false,
        error: "driver timed out",
      },
    ],
    hooks: [
      {
        phase: "pre",
        scope: "pod",
        namespace: "shop",
        pod: "db-0",
        container: "postgres",
        outcome: "succeeded",
        durationMs: 120,
      },
    ],
    warnings: ["configmap shop/big is 900 KiB"],
    errors: [{ item: "snapshot/shop/data-db-1", reason: "driver timed out" }],
  } as unknown as BackupDescription["manifest"],
  objects: [],
};
const drill = {
  drill: "orders",
  runId: "20260310t050000z-ab12cd",
  phase: "Passed",
  backupName: name,
  storageLocation: "main",
  rtoSeconds: 42,
  checks: [{ name: "count", passed: true }],
  startedAt: "2026-03-10T05:00:00Z",
} as unknown as DrillRecord;
const restore = (n: string, startedAt: string, phase: RestoreResult["phase"], error?: string) =>
  ({
    restoreName: n,
    backupName: name,
    storageLocation: "main",
    targetCluster: "https://staging.example",
    phase,
    startedAt,
    completedAt: new Date(Date.parse(startedAt) + 75_000).toISOString(),
    counts: { total: 10, restored: 9, created: 9, updated: 0, unchanged: 0, skipped: 0, failed: 1 },
    skipped: [],
    failed: [{ reason: "admission webhook denied", count: 1, items: ["x"] }],
    warnings: [],
    ...(error ? { error } : {}),
    createdNamespaces: [],
    createdSnapshotContents: [],
    volumes: [],
    namespaceMapping: { shop: "shop-clone" },
    objectsPerSecond: 10,
  }) as RestoreResult;

function client(restores: RestoreResult[] = []) {
  const view: CatalogView = {
    namespace: "ns",
    locations: [{ name: "main", backups: [desc.summary], drills: [drill] }],
    plans: [],
    problems: [],
  } as unknown as CatalogView;
  const app = createUiApp({
    token: "t",
    namespace: "ns",
    readView: async () => view,
    readBackup: async (n, location) => (n === name && location === "main" ? desc : undefined),
    readRestores: async () => restores,
  });
  const headers = { host: "127.0.0.1:8080", cookie: `${TOKEN_COOKIE}=t` };
  return (path: string) => app.request(`http://127.0.0.1:8080${path}`, { headers });
}

describe("backup page", () => {
  it("shows the records: counts per type, archive, encryption, snapshots, hooks, errors, drills", async () => {
    const res = await client()(`/backups/main/${name}`);
    expect(res.status).toBe(200);
    const text = (await res.text()).replace(/\s+/g, " ");
    expect(text).toContain("<h1>Backup db-20260310010000</h1>");
    expect(text).toContain("1 min 30 s");
    expect(text).toContain("<code>env=prod</code>");
    expect(text).toContain("<td>statefulsets.apps</td> <td>1</td>");
    expect(text).toContain(`SHA-256 <code>${"ab".repeat(32)}</code>`);
    expect(text).toContain("age, recipients age1fp");
    expect(text).toContain("<td>shop/data-db-0</td>");
    expect(text).toMatch(/Failed<\/span> driver timed out/);
    expect(text).toContain("<td>pre (pod)</td>");
    expect(text).toContain('<li class="problem">snapshot/shop/data-db-1: driver timed out</li>');
    expect(text).toContain("<li>configmap shop/big is 900 KiB</li>");
    expect(text).toContain("<td>20260310t050000z-ab12cd</td>");
    expect(text).toContain("<td>42 s</td>");
  });

  it("the backups list links it; an unknown backup is 404", async () => {
    const get = client();
    expect(await (await get("/backups")).text()).toContain(`href="/backups/main/${name}"`);
    expect((await get("/backups/main/nope")).status).toBe(404);
    expect((await get(`/backups/other/${name}`)).status).toBe(404);
  });
});

describe("restores page", () => {
  it("lists restores newest first with result, mapping, counts, duration and reason", async () => {
    const get = client([
      restore("old", "2026-03-01T00:00:00Z", "Completed"),
      restore("new", "2026-03-09T00:00:00Z", "Failed", "IntegrityError: archive corrupt"),
    ]);
    const text = (await (await get("/restores")).text()).replace(/\s+/g, " ");
    expect(text.indexOf("<td>new</td>")).toBeLessThan(text.indexOf("<td>old</td>"));
    expect(text).toContain("<code>shop→shop-clone</code>");
    expect(text).toContain("<td>9/10</td>");
    expect(text).toContain("<td>1 min 15 s</td>");
    expect(text).toContain("IntegrityError: archive corrupt");
    expect(text).toContain("admission webhook denied (1)");
    expect(text).toContain(`href="/backups/main/${name}"`);
  });

  it("says so when there is none", async () => {
    expect(await (await client()("/restores")).text()).toContain("No restore is recorded in this namespace.");
  });
});

describe("duration", () => {
  it.each([
    ["2026-03-10T01:00:00Z", "2026-03-10T01:00:12.5Z", "12.5 s"],
    ["2026-03-10T01:00:00Z", "2026-03-10T01:02:05Z", "2 min 5 s"],
    [undefined, "2026-03-10T01:00:00Z", "-"],
    ["2026-03-10T01:00:10Z", "2026-03-10T01:00:00Z", "-"],
    ["not a time", "2026-03-10T01:00:00Z", "-"],
  ])("%s → %s = %s", (from, to, want) => expect(duration(from, to)).toBe(want));
});
