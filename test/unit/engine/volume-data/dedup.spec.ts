/** Deduplication across backups of one PVC: a second push uploads only what changed. */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryObjectStore, STORE_LAYOUT } from "../../../../provider/store";
import { pushVolume } from "../../../../provider/engine/volume-data/push";
import { pullVolume } from "../../../../provider/engine/volume-data/pull";
import { bytes, cleanup, describeTree, tempDir, write } from "./fixture";

afterAll(cleanup);

const pvc = { namespace: "production", pvc: "data" };

function hundredFiles(): string {
  const src = tempDir("dedup");
  for (let i = 0; i < 100; i++) write(src, `f/${String(i).padStart(3, "0")}.bin`, bytes(10_000 + i, i + 1));
  return src;
}

describe("dedup per PVC", () => {
  it("a second push after changing 1 of 100 files uploads only that file's blob", async () => {
    const store = new MemoryObjectStore("dedup");
    const src = hundredFiles();
    const first = await pushVolume({ ...pvc, backup: "b1", store, source: src, recipients: [] });
    expect(first).toMatchObject({ files: 100, blobs: 100, newBlobs: 100, reusedBytes: 0, packs: 1 });
    const changed = bytes(20_000, 999);
    write(src, "f/042.bin", changed);

    const second = await pushVolume({ ...pvc, backup: "b2", store, source: src, recipients: [] });
    expect(second).toMatchObject({ files: 100, blobs: 100, newBlobs: 1, uploadedBytes: changed.length, packs: 1 });
    expect(second.reusedBytes).toBe(first.bytes - (10_000 + 42));

    const dst = tempDir("dedup-dst");
    await pullVolume({ ...pvc, backup: "b2", store, target: dst, identities: [] });
    expect(describeTree(dst)).toEqual(describeTree(src));
  });

  it("packs small files: 300 files of 100 KiB become 2 packs of about 16 MiB, not 300 objects", async () => {
    const store = new MemoryObjectStore("packs");
    const src = tempDir("many");
    for (let i = 0; i < 300; i++) write(src, `d${i % 7}/${i}`, bytes(100 * 1024, 5000 + i));
    const r = await pushVolume({ ...pvc, backup: "b1", store, source: src, recipients: [] });
    expect(r.packs).toBe(2);
    const keys: string[] = [];
    for await (const e of store.list(STORE_LAYOUT.volumePacksPrefix("production", "data"))) keys.push(e.key);
    expect(keys).toHaveLength(2);
  });

  it("does not trust a blob list whose pack was deleted: the blobs are uploaded again", async () => {
    const store = new MemoryObjectStore("gone");
    const src = hundredFiles();
    await pushVolume({ ...pvc, backup: "b1", store, source: src, recipients: [] });
    for await (const e of store.list(STORE_LAYOUT.volumePacksPrefix("production", "data"))) await store.delete(e.key);
    const r = await pushVolume({ ...pvc, backup: "b2", store, source: src, recipients: [] });
    expect(r).toMatchObject({ newBlobs: 100, reusedBytes: 0 });
    const dst = tempDir("gone-dst");
    await pullVolume({ ...pvc, backup: "b2", store, target: dst, identities: [] });
    expect(describeTree(dst)).toEqual(describeTree(src));
  });

  it("does not share blobs between PVCs, and refuses to push a PVC twice into one backup", async () => {
    const store = new MemoryObjectStore("scope");
    const src = hundredFiles();
    await pushVolume({ ...pvc, backup: "b1", store, source: src, recipients: [] });
    const other = await pushVolume({
      namespace: "production",
      pvc: "logs",
      backup: "b1",
      store,
      source: src,
      recipients: [],
    });
    expect(other.newBlobs).toBe(100);
    await expect(pushVolume({ ...pvc, backup: "b1", store, source: src, recipients: [] })).rejects.toThrow(
      /already holds volume data of PVC production\/data/,
    );
  });

  it("identical chunks inside one push are stored once (hard links, copies)", async () => {
    const store = new MemoryObjectStore("same");
    const src = tempDir("same");
    write(src, "a", bytes(50_000, 1));
    fs.linkSync(path.join(src, "a"), path.join(src, "hard-link"));
    write(src, "copy", bytes(50_000, 1));
    const r = await pushVolume({ ...pvc, backup: "b1", store, source: src, recipients: [] });
    expect(r).toMatchObject({ files: 3, blobs: 1, newBlobs: 1, uploadedBytes: 50_000 });
  });
});
