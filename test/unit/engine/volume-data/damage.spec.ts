/**
 * A flipped byte in a pack: pull and verify fail with an IntegrityError naming the pack and the file,
 * and the pull never writes the damaged blob (the file keeps the zeros it was created with).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryObjectStore, STORE_LAYOUT, type ObjectStore } from "../../../../provider/store";
import { generateIdentity } from "../../../../provider/engine/archive/encrypt";
import { pushVolume } from "../../../../provider/engine/volume-data/push";
import { pullVolume } from "../../../../provider/engine/volume-data/pull";
import { verifyVolume } from "../../../../provider/engine/volume-data/verify";
import { IntegrityError } from "../../../../provider/errors";
import { bytes, cleanup, tempDir, write } from "./fixture";

afterAll(cleanup);

const ref = { backup: "b1", namespace: "production", pvc: "data" };
let key: { identity: string; recipient: string };
beforeAll(async () => {
  key = await generateIdentity();
});

/** Flips one byte at `at` of the only pack; returns the pack id. */
async function flipPackByte(store: ObjectStore, at: (size: number) => number): Promise<string> {
  for await (const e of store.list(STORE_LAYOUT.volumePacksPrefix("production", "data"))) {
    const body = (await store.tryGet(e.key))!;
    body[at(body.length)] ^= 0x01;
    await store.delete(e.key);
    await store.put(e.key, body);
    return STORE_LAYOUT.parsePackKey(e.key)!.packId;
  }
  throw new Error("no pack");
}

describe.each([
  { name: "plain", recipients: () => [] as string[], identities: () => [] as string[] },
  { name: "encrypted", recipients: () => [key.recipient], identities: () => [key.identity] },
])("a flipped byte in a $name pack", ({ recipients, identities }) => {
  it("fails pull and verify naming the pack and the file, before the damaged data is written", async () => {
    const store = new MemoryObjectStore("damage");
    const src = tempDir("damage");
    write(src, "precious.db", bytes(200_000, 42));
    await pushVolume({ ...ref, store, source: src, recipients: recipients() });
    const pack = await flipPackByte(store, (size) => size - 1000);

    const dst = tempDir("damage-dst");
    const pulled = pullVolume({ ...ref, store, target: dst, identities: identities() });
    await expect(pulled).rejects.toBeInstanceOf(IntegrityError);
    await expect(pulled).rejects.toThrow(new RegExp(`pack ${pack} .*is damaged.*precious\\.db`, "s"));
    const restored = fs.readFileSync(path.join(dst, "precious.db"));
    expect(restored.length).toBe(200_000);
    expect(restored.equals(Buffer.alloc(200_000))).toBe(true);

    const verified = verifyVolume({ ...ref, store, identities: identities() });
    await expect(verified).rejects.toThrow(new RegExp(`pack ${pack} .*is damaged.*precious\\.db`, "s"));
  });
});

describe("verify", () => {
  it("checks every pack and blob of an intact PVC; without the identity only the stored checksums", async () => {
    const store = new MemoryObjectStore("verify");
    const src = tempDir("verify");
    for (let i = 0; i < 4; i++) write(src, `f${i}`, bytes(30_000, i + 1));
    const pushed = await pushVolume({ ...ref, store, source: src, recipients: [key.recipient] });
    const full = await verifyVolume({ ...ref, store, identities: [key.identity], indexSha256: pushed.indexSha256 });
    expect(full).toMatchObject({ packs: 1, blobs: 4, contentsChecked: true });
    const stored = await verifyVolume({ ...ref, store });
    expect(stored).toMatchObject({ packs: 1, blobs: 0, contentsChecked: false });
    await expect(
      verifyVolume({ ...ref, store, identities: [key.identity], indexSha256: "0".repeat(64) }),
    ).rejects.toThrow(/the manifest records/);
    await flipPackByte(store, (size) => size - 10);
    await expect(verifyVolume({ ...ref, store })).rejects.toThrow(/stored bytes with SHA-256/);
  });
});
