/**
 * Garbage collection: deleting a backup removes the packs no remaining backup needs, keeps the ones a
 * kept backup needs, and never touches young packs or a PVC whose references it cannot read.
 */
import { afterAll, describe, expect, it } from "vitest";
import { MemoryObjectStore, STORE_LAYOUT, type ObjectStore } from "../../../../provider/store";
import { deleteBackup } from "../../../../provider/engine/catalog/catalog";
import { collectVolumeGarbage, unreferencedPacks } from "../../../../provider/engine/volume-data/gc";
import { GC_LEASE_MS, PUSH_LEASE_MS, takeGcTurn, takePushLease } from "../../../../provider/engine/volume-data/lease";
import { pushVolume } from "../../../../provider/engine/volume-data/push";
import { pullVolume } from "../../../../provider/engine/volume-data/pull";
import type { BlobTable } from "../../../../provider/format/volume-data";
import { bytes, cleanup, describeTree, tempDir, write } from "./fixture";

afterAll(cleanup);

const pvc = { namespace: "production", pvc: "data" };
const HOUR = 3600_000;
const place = (pack: string) => ({ pack, offset: 0, length: 1 });
const P = (c: string) => c.repeat(32);

/** One row: the PVC's packs, the remaining blob lists, the packs to collect. */
interface Row {
  name: string;
  packs: string[];
  lists: Pick<BlobTable, "blobs" | "packs">[];
  want: string[];
}

describe("unreferencedPacks", () => {
  it.each<Row>([
    { name: "no lists: every pack", packs: [P("a"), P("b")], lists: [], want: [P("a"), P("b")] },
    {
      name: "named by a blob place",
      packs: [P("a"), P("b")],
      lists: [{ blobs: { x: place(P("a")) }, packs: {} }],
      want: [P("b")],
    },
    {
      name: "named only by a pack table",
      packs: [P("a"), P("b")],
      lists: [{ blobs: {}, packs: { [P("b")]: { encrypted: false, bytes: 1, sha256: "" } } }],
      want: [P("a")],
    },
    {
      name: "several lists together",
      packs: [P("a"), P("b"), P("c")],
      lists: [
        { blobs: { x: place(P("a")) }, packs: {} },
        { blobs: { y: place(P("c")) }, packs: {} },
      ],
      want: [P("b")],
    },
    { name: "no packs", packs: [], lists: [{ blobs: { x: place(P("a")) }, packs: {} }], want: [] },
  ])("$name", ({ packs, lists, want }) => {
    expect(unreferencedPacks(packs, lists)).toEqual(want);
  });
});

async function packKeys(store: ObjectStore): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.list(STORE_LAYOUT.volumePacksPrefix(pvc.namespace, pvc.pvc))) out.push(e.key);
  return out;
}

/** Three backups of one PVC: b1 (files A), b2 (A + B), b3 (B + C); each push adds one pack. */
async function threeBackups(store: ObjectStore) {
  const src = tempDir("gc");
  write(src, "a", bytes(40_000, 1));
  await pushVolume({ ...pvc, backup: "b1", store, source: src, recipients: [] });
  write(src, "b", bytes(40_000, 2));
  await pushVolume({ ...pvc, backup: "b2", store, source: src, recipients: [] });
  write(src, "c", bytes(40_000, 3));
  const { rmSync } = await import("node:fs");
  rmSync(`${src}/a`);
  await pushVolume({ ...pvc, backup: "b3", store, source: src, recipients: [] });
  for (const b of ["b1", "b2", "b3"]) await store.put(STORE_LAYOUT.backupManifestKey(b), "{}");
  return src;
}

describe("collectVolumeGarbage", () => {
  it("keeps packs a remaining backup needs and deletes the rest once past the grace period", async () => {
    const store = new MemoryObjectStore("gc");
    const src = await threeBackups(store);
    const [packA, packB, packC] = (await packKeys(store)).sort();
    expect(await packKeys(store)).toHaveLength(3);
    const later = new Date(Date.now() + 2 * HOUR);

    // Deleting b1: pack A is still needed by b2.
    await deleteBackup(store, "b1");
    let gc = await collectVolumeGarbage(store, [pvc], { now: later });
    expect(gc.deleted).toEqual([]);

    // Deleting b2: nothing remaining names the pack holding A.
    for await (const e of store.list(STORE_LAYOUT.backupPrefix("b2"))) await store.delete(e.key);
    gc = await collectVolumeGarbage(store, [pvc], { now: later });
    expect(gc.deleted).toHaveLength(1);
    expect(new Set(await packKeys(store))).toEqual(
      new Set([packA, packB, packC].filter((k) => !gc.deleted.includes(k))),
    );

    // b3 still restores whole.
    const dst = tempDir("gc-dst");
    await pullVolume({ ...pvc, backup: "b3", store, target: dst, identities: [] });
    expect(describeTree(dst)).toEqual(describeTree(src));
  });

  it("never collects a pack younger than the grace period (a push running now)", async () => {
    const store = new MemoryObjectStore("young");
    await threeBackups(store);
    for (const b of ["b1", "b2", "b3"])
      for await (const e of store.list(STORE_LAYOUT.backupPrefix(b))) await store.delete(e.key);
    const gc = await collectVolumeGarbage(store, [pvc]);
    expect(gc).toMatchObject({ deleted: [], young: 3 });
    expect(await packKeys(store)).toHaveLength(3);
  });

  it("leaves a PVC alone when a backup's index has no readable blob list", async () => {
    const store = new MemoryObjectStore("unsure");
    await threeBackups(store);
    await store.delete(STORE_LAYOUT.backupVolumeRecordKey("b3", "production", "data", "blobs"));
    for (const b of ["b1", "b2"])
      for await (const e of store.list(STORE_LAYOUT.backupPrefix(b))) await store.delete(e.key);
    const gc = await collectVolumeGarbage(store, [pvc], { now: new Date(Date.now() + 2 * HOUR) });
    expect(gc.deleted).toEqual([]);
    expect(gc.warnings.join()).toMatch(
      /PVC production\/data not collected: backup b3 has an index of it but no blob list/,
    );
  });
});

describe("pushes and the collector of one PVC never overlap (lease.ts)", () => {
  const later = () => new Date(Date.now() + 2 * HOUR);
  const leases = async (store: ObjectStore) => {
    const out: string[] = [];
    for await (const e of store.list(STORE_LAYOUT.volumeLeasesPrefix(pvc.namespace, pvc.pvc)))
      out.push(e.key.split("/").pop()!);
    return out;
  };
  const orphanAll = async (store: ObjectStore) => {
    for (const b of ["b1", "b2", "b3"])
      for await (const e of store.list(STORE_LAYOUT.backupPrefix(b))) await store.delete(e.key);
  };

  it("skips a PVC while a push of it runs, and collects it once the push is done", async () => {
    const store = new MemoryObjectStore("lease-skip");
    await threeBackups(store);
    await orphanAll(store);
    const release = await takePushLease(store, "b4", pvc);
    expect(await leases(store)).toEqual([expect.stringMatching(/^push-[0-9a-f]{16}\.json$/)]);
    const skipped = await collectVolumeGarbage(store, [pvc], { now: later() });
    expect(skipped.deleted).toEqual([]);
    expect(skipped.warnings).toEqual([
      expect.stringMatching(
        /^volume data of PVC production\/data not collected now: a push of it is running \(backup b4, .*\); a later delete collects it$/,
      ),
    ]);
    expect(await packKeys(store)).toHaveLength(3);
    await release();
    const collected = await collectVolumeGarbage(store, [pvc], { now: later() });
    expect(collected.deleted).toHaveLength(3);
    expect(await leases(store)).toEqual([]);
  });

  it("a push waits while the collector holds the PVC, then goes on", async () => {
    const store = new MemoryObjectStore("lease-wait");
    const turn = await takeGcTurn(store, pvc);
    if ("busy" in turn) throw new Error(turn.busy);
    const lines: string[] = [];
    let pushed = false;
    const push = takePushLease(store, "b5", { ...pvc, pollMs: 5, log: (l) => lines.push(l) }).then((r) => {
      pushed = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(pushed).toBe(false);
    expect(lines).toEqual([expect.stringMatching(/^waiting: .* is collecting unused data of production\/data$/)]);
    await turn.release();
    await (
      await push
    )();
    expect(pushed).toBe(true);
    expect(await leases(store)).toEqual([]);
  });

  it("one collector at a time; a lease of a process that died expires", async () => {
    const store = new MemoryObjectStore("lease-expire");
    const first = await takeGcTurn(store, pvc);
    expect("busy" in first).toBe(false);
    expect(await takeGcTurn(store, pvc)).toEqual({ busy: expect.stringMatching(/is collecting it since /) });
    // The first collector died: past its lease, the next one takes over.
    const after = await takeGcTurn(store, { ...pvc, now: () => new Date(Date.now() + GC_LEASE_MS + 1000) });
    expect("busy" in after).toBe(false);
    if (!("busy" in after)) await after.release();
    // A push that died leaves its lease: it holds the PVC until it expires, then is removed.
    await takePushLease(store, "b6", pvc);
    expect("busy" in (await takeGcTurn(store, pvc))).toBe(true);
    const late = await takeGcTurn(store, { ...pvc, now: () => new Date(Date.now() + PUSH_LEASE_MS + 1000) });
    expect("busy" in late).toBe(false);
    if (!("busy" in late)) await late.release();
    expect(await leases(store)).toEqual([]);
  });

  it("a real push holds its lease until its index is written, and leaves none behind", async () => {
    const store = new MemoryObjectStore("lease-push");
    const src = tempDir("lease-push");
    write(src, "a", bytes(40_000, 7));
    const seen: string[][] = [];
    const put = store.put.bind(store);
    store.put = async (key, body, o) => {
      if (key.includes("/volumes/") && key.endsWith(".index.json")) seen.push(await leases(store));
      return put(key, body, o);
    };
    await pushVolume({ ...pvc, backup: "b7", store, source: src, recipients: [] });
    expect(seen).toEqual([[expect.stringMatching(/^push-/)]]);
    expect(await leases(store)).toEqual([]);
  });
});

describe("deleteBackup collects volume data", () => {
  it("the last backup's delete removes its packs (after the grace period), and reports them", async () => {
    const store = new MemoryObjectStore("del");
    const src = tempDir("del");
    write(src, "a", bytes(40_000, 1));
    await pushVolume({ ...pvc, backup: "only", store, source: src, recipients: [] });
    const del = await deleteBackup(store, "only");
    // Just written: younger than the grace period, so kept.
    expect(del?.volumeData).toMatchObject({ deleted: [], young: 1 });
    expect(del?.keys).toContain(STORE_LAYOUT.backupVolumeRecordKey("only", "production", "data", "blobs"));
  });

  it("a backup without volume data does not look at volume data", async () => {
    const store = new MemoryObjectStore("none");
    await store.put(STORE_LAYOUT.backupManifestKey("plain"), "{}");
    const del = await deleteBackup(store, "plain");
    expect(del?.volumeData).toBeUndefined();
  });
});
