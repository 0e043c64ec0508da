/** Push a directory into a store and pull it back: content, modes, symlinks, mtimes, holes, names. */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FsObjectStore, MemoryObjectStore, type ObjectStore } from "../../../../provider/store";
import { pushVolume } from "../../../../provider/engine/volume-data/push";
import { pullVolume } from "../../../../provider/engine/volume-data/pull";
import { bytes, cleanup, describeTree, tempDir, write } from "./fixture";

const MiB = 1024 * 1024;
const ref = { backup: "b1", namespace: "production", pvc: "data" };

/** A tree with every kind of entry the engine handles. */
function sampleTree(): string {
  const src = tempDir("src");
  write(src, "hello.txt", "hello world\n", 0o644);
  write(src, "empty", "");
  write(src, "bin/run.sh", "#!/bin/sh\necho hi\n", 0o755);
  write(src, "secret/key", "s3cr3t", 0o600);
  write(src, "dir with spaces/ファイル名 ü.txt", "unicode name\n");
  write(src, "big/random.bin", bytes(9 * MiB + 123, 7));
  fs.mkdirSync(path.join(src, "empty-dir"));
  fs.mkdirSync(path.join(src, "locked"));
  write(src, "locked/inside", "read-only dir\n");
  fs.symlinkSync("hello.txt", path.join(src, "link-to-hello"));
  fs.symlinkSync("/nonexistent/target", path.join(src, "dangling"));
  // A sparse file: 40 MiB with data only at 10 MiB and at the end.
  const sparse = path.join(src, "sparse.img");
  const fd = fs.openSync(sparse, "w");
  fs.ftruncateSync(fd, 40 * MiB);
  fs.writeSync(fd, bytes(1000, 3), 0, 1000, 10 * MiB);
  fs.writeSync(fd, Buffer.from("tail"), 0, 4, 40 * MiB - 4);
  fs.closeSync(fd);
  fs.chmodSync(path.join(src, "locked"), 0o555);
  const old = new Date("2020-02-03T04:05:06.789Z");
  fs.utimesSync(path.join(src, "hello.txt"), old, old);
  fs.lutimesSync(path.join(src, "link-to-hello"), old, old);
  fs.utimesSync(path.join(src, "empty-dir"), old, old);
  return src;
}

afterAll(cleanup);

describe.each([
  { name: "memory store", store: (): ObjectStore => new MemoryObjectStore("rt") },
  { name: "filesystem store", store: (): ObjectStore => new FsObjectStore({ root: tempDir("store") }) },
])("push then pull ($name)", ({ store: makeStore }) => {
  it("restores content, modes, symlinks, mtimes, empty files and dirs, unicode names and a sparse file", async () => {
    const store = makeStore();
    const src = sampleTree();
    const progress: number[][] = [];
    const pushed = await pushVolume({
      ...ref,
      store,
      source: src,
      recipients: [],
      onProgress: (d, t) => progress.push([d, t]),
    });
    expect(pushed).toMatchObject({ files: 8, symlinks: 2, dirs: 7, newBlobs: pushed.blobs, reusedBytes: 0 });
    expect(pushed.bytes).toBe(fs.statSync(path.join(src, "big/random.bin")).size + 40 * MiB + 63); // + the small files
    expect(progress.at(-1)).toEqual([pushed.bytes, pushed.bytes]);
    // Only the sparse file's two chunks with data are stored (2 × 4 MiB), not its 40 MiB, beside the 9 MiB file.
    expect(pushed.uploadedBytes).toBe(9 * MiB + 123 + 8 * MiB + 63);

    const dst = tempDir("dst");
    const pulled = await pullVolume({ ...ref, store, target: dst, identities: [] });
    expect(pulled).toMatchObject({ files: 8, symlinks: 2, dirs: 7, bytes: pushed.bytes });
    expect(describeTree(dst)).toEqual(describeTree(src));

    const st = fs.statSync(path.join(dst, "sparse.img"));
    expect(st.size).toBe(40 * MiB);
    // Sparse when the filesystem supports holes: far fewer blocks than the size needs.
    if (fs.statSync(path.join(src, "sparse.img")).blocks * 512 < 40 * MiB)
      expect(st.blocks * 512).toBeLessThan(20 * MiB);
  });
});
