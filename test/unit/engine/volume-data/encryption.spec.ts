/** With recipients, nothing a reader of the bucket sees holds file content or file names. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryObjectStore, STORE_LAYOUT } from "../../../../provider/store";
import { generateIdentity } from "../../../../provider/engine/archive/encrypt";
import { pushVolume } from "../../../../provider/engine/volume-data/push";
import { pullVolume } from "../../../../provider/engine/volume-data/pull";
import { IntegrityError } from "../../../../provider/errors";
import { bytes, cleanup, describeTree, tempDir, write } from "./fixture";

afterAll(cleanup);

const ref = { namespace: "production", pvc: "data" };
let a: { identity: string; recipient: string };
let b: { identity: string; recipient: string };
beforeAll(async () => {
  a = await generateIdentity();
  b = await generateIdentity();
});

async function everyObject(store: MemoryObjectStore): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const e of store.list("")) out.set(e.key, (await store.tryGet(e.key))!);
  return out;
}

describe("encrypted volume data", () => {
  it("stores no file content and no file name in plaintext, and pulls back with the identity", async () => {
    const store = new MemoryObjectStore("enc");
    const src = tempDir("enc");
    write(src, "customer-ledger-2026.csv", "PLAINTEXT-MARKER-alice,1000\n".repeat(50));
    write(src, "nested/very-private-dirname/notes.txt", "PLAINTEXT-MARKER-second-file");
    write(src, "random.bin", bytes(300_000, 11));
    const pushed = await pushVolume({ ...ref, backup: "b1", store, source: src, recipients: [a.recipient] });
    expect(pushed.indexKey).toBe(STORE_LAYOUT.backupVolumeRecordKey("b1", "production", "data", "indexEncrypted"));

    const objects = await everyObject(store);
    expect([...objects.keys()].some((k) => k.endsWith(".pack.age"))).toBe(true);
    const needles = ["PLAINTEXT-MARKER", "customer-ledger", "very-private-dirname", "notes.txt"];
    const randomSlice = bytes(300_000, 11).subarray(1000, 1064);
    for (const [key, body] of objects) {
      for (const n of needles) expect(body.includes(n), `${n} in ${key}`).toBe(false);
      expect(body.includes(randomSlice), `file bytes in ${key}`).toBe(false);
    }

    const dst = tempDir("enc-dst");
    await pullVolume({ ...ref, backup: "b1", store, target: dst, identities: [a.identity] });
    expect(describeTree(dst)).toEqual(describeTree(src));
    await expect(
      pullVolume({ ...ref, backup: "b1", store, target: tempDir("x"), identities: [b.identity] }),
    ).rejects.toBeInstanceOf(IntegrityError);
  });

  it("never reuses packs encrypted for other recipients (or plain ones): the restore would need another key", async () => {
    const store = new MemoryObjectStore("rekey");
    const src = tempDir("rekey");
    for (let i = 0; i < 5; i++) write(src, `f${i}`, bytes(20_000, i + 1));
    await pushVolume({ ...ref, backup: "b1", store, source: src, recipients: [a.recipient] });
    const same = await pushVolume({ ...ref, backup: "b2", store, source: src, recipients: [a.recipient] });
    expect(same.newBlobs).toBe(0);
    const other = await pushVolume({ ...ref, backup: "b3", store, source: src, recipients: [b.recipient] });
    expect(other.newBlobs).toBe(5);
    const plain = await pushVolume({ ...ref, backup: "b4", store, source: src, recipients: [] });
    expect(plain.newBlobs).toBe(5);
    const dst = tempDir("rekey-dst");
    await pullVolume({ ...ref, backup: "b3", store, target: dst, identities: [b.identity] });
    expect(describeTree(dst)).toEqual(describeTree(src));
  });
});
