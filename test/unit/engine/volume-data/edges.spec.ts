/** Edge cases of push and pull: special files, owners without root, failed writes, packs deleted meanwhile. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryObjectStore, STORE_LAYOUT, type ObjectEntry, type PutOptions } from "../../../../provider/store";
import { pushVolume } from "../../../../provider/engine/volume-data/push";
import { walkVolume } from "../../../../provider/engine/volume-data/walk";
import { finishTree, prepareTree } from "../../../../provider/engine/volume-data/tree";
import type { VolumeEntry } from "../../../../provider/format/volume-data";
import { bytes, cleanup, tempDir, write } from "./fixture";

afterAll(cleanup);

const ref = { backup: "b1", namespace: "production", pvc: "data" };

async function keysUnder(store: MemoryObjectStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.list(prefix)) out.push(e.key);
  return out;
}

describe("walkVolume", () => {
  it("skips a FIFO and a socket with a warning each, and keeps everything else", async () => {
    const src = tempDir("special");
    write(src, "data", "x");
    execFileSync("mkfifo", [path.join(src, "fifo")]);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(src, "sock"), resolve));
    try {
      const r = await walkVolume(src);
      expect(r.entries.map((e) => e.path)).toEqual(["", "data"]);
      expect(r.warnings).toEqual([
        '"fifo": skipped, a FIFO is not volume data',
        '"sock": skipped, a socket is not volume data',
      ]);
    } finally {
      server.close();
    }
  });
});

describe("finishTree", () => {
  it("without root, leaves owners alone and warns once", async () => {
    const dst = tempDir("owners");
    const meta = { mode: 0o755, mtimeNs: "1600000000000000000" };
    const entries: VolumeEntry[] = [
      { path: "", type: "dir", uid: 0, gid: 0, ...meta },
      { path: "a", type: "file", size: 0, blobs: [], uid: 999, gid: 999, ...meta },
      { path: "b", type: "file", size: 0, blobs: [], uid: 998, gid: 999, ...meta },
    ];
    await prepareTree(dst, entries);
    const warnings = await finishTree(dst, entries, { chown: false });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/not running as root: owners not restored \(\d entr(y is|ies are) owned by another/);
    expect(Math.floor(fs.statSync(path.join(dst, "a")).mtimeMs)).toBe(1600000000000);
  });

  it("restores mtimes to the microsecond, also just below a millisecond boundary", async () => {
    const dst = tempDir("mtime-us");
    const times = ["1796236951258999950", "1796236951000000999", "1796236951999999999", "1796236951123456789"];
    const entries: VolumeEntry[] = [
      { path: "", type: "dir", uid: 0, gid: 0, mode: 0o755, mtimeNs: times[0] },
      ...times.map((mtimeNs, i): VolumeEntry => ({
        path: `f${i}`,
        type: "file",
        size: 0,
        blobs: [],
        uid: 0,
        gid: 0,
        mode: 0o644,
        mtimeNs,
      })),
    ];
    await prepareTree(dst, entries);
    await finishTree(dst, entries, { chown: false });
    const restored = times.map((_, i) => fs.statSync(path.join(dst, `f${i}`), { bigint: true }).mtimeNs / 1000n);
    expect(restored).toEqual(times.map((t) => BigInt(t) / 1000n));
  });
});

describe("pushVolume failures", () => {
  it("removes the packs it uploaded when the index cannot be written, and leaves no blob list", async () => {
    class FailingIndex extends MemoryObjectStore {
      override put(key: string, body: Buffer | string, opts?: PutOptions) {
        if (key.endsWith(".index.json")) return Promise.reject(new Error("injected: index write failed"));
        return super.put(key, body, opts);
      }
    }
    const store = new FailingIndex("fail");
    const src = tempDir("fail");
    write(src, "a", bytes(50_000, 1));
    await expect(pushVolume({ ...ref, store, source: src, recipients: [] })).rejects.toThrow(/injected/);
    expect(await keysUnder(store, "")).toEqual([]);
  });

  it("refuses to write an index naming a reused pack that was deleted while it ran", async () => {
    class DeletesPacks extends MemoryObjectStore {
      packListings = 0;
      override async *list(prefix: string): AsyncIterable<ObjectEntry> {
        // The second listing of the packs in one push is its last check: a concurrent delete got there first.
        if (prefix === STORE_LAYOUT.volumePacksPrefix("production", "data") && ++this.packListings === 2)
          for (const k of await keysUnder(this, prefix)) await this.delete(k);
        yield* super.list(prefix);
      }
    }
    const store = new DeletesPacks("race");
    const src = tempDir("race");
    write(src, "a", bytes(50_000, 1));
    await pushVolume({ ...ref, store, source: src, recipients: [] });
    store.packListings = 0;
    await expect(pushVolume({ ...ref, backup: "b2", store, source: src, recipients: [] })).rejects.toThrow(
      /pack\(s\) of PVC production\/data this push reuses were deleted while it ran/,
    );
    expect(await store.head(STORE_LAYOUT.backupVolumeRecordKey("b2", "production", "data", "index"))).toBeUndefined();
  });
});

describe("mtimes", () => {
  it("restore within the recorded microsecond, also right after a millisecond boundary", async () => {
    const dst = tempDir("mtime");
    const cases = ["1733162400123000000", "1733162400123000050", "1733162400999999999", "1580702706789000000"];
    const entries: VolumeEntry[] = [
      { path: "", type: "dir", uid: 0, gid: 0, mode: 0o755, mtimeNs: "0" },
      ...cases.map((mtimeNs, i): VolumeEntry => ({
        path: `f${i}`,
        type: "file",
        size: 0,
        blobs: [],
        uid: 0,
        gid: 0,
        mode: 0o644,
        mtimeNs,
      })),
    ];
    await prepareTree(dst, entries);
    await finishTree(dst, entries, { chown: false });
    cases.forEach((ns, i) => {
      const got = fs.statSync(path.join(dst, `f${i}`), { bigint: true }).mtimeNs;
      expect(got / 1000n, `f${i}`).toBe(BigInt(ns) / 1000n);
    });
  });
});
