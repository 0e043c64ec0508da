/**
 * Publishing a spilled backup with volume data: the primary keeps the records the backup made (its
 * data is there), a copy location gets the records of its own copy, and a copy that failed there
 * makes that location's backup PartiallyFailed with the reason, never Completed.
 */
import { describe, expect, it } from "vitest";
import { publishBackup } from "../../../../provider/engine/catalog/publish";
import type { BackupManifest, VolumeDataRecord } from "../../../../provider/format/manifest";
import { MemoryObjectStore, STORE_LAYOUT } from "../../../../provider/store";
import { writeBackupFixture } from "../../../support/backup-fixture";

const record = (over: Partial<VolumeDataRecord> = {}): VolumeDataRecord => ({
  namespace: "prod",
  persistentVolumeClaim: "data",
  volumeSnapshot: "b1-data",
  indexKey: "hks/v1/backups/b1/volumes/prod/data.index.json",
  indexSha256: "a".repeat(64),
  files: 3,
  ...over,
});

async function spillWithVolumeData(): Promise<MemoryObjectStore> {
  const spill = new MemoryObjectStore("spill");
  const m = await writeBackupFixture({
    store: spill,
    name: "b1",
    namespaces: ["prod"],
    objects: [
      {
        group: "",
        resource: "configmaps",
        object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "prod" } },
      },
    ],
  });
  const withData: BackupManifest = { ...m, volumeData: [record()] };
  await spill.delete(STORE_LAYOUT.backupManifestKey("b1"));
  await spill.put(STORE_LAYOUT.backupManifestKey("b1"), JSON.stringify(withData));
  return spill;
}

const read = async (s: MemoryObjectStore): Promise<BackupManifest> =>
  JSON.parse((await s.tryGet(STORE_LAYOUT.backupManifestKey("b1")))!.toString());

describe("publishBackup with volume data", () => {
  it("the primary keeps the backup's own records", async () => {
    const to = new MemoryObjectStore("main");
    await publishBackup(await spillWithVolumeData(), "b1", { location: "main", store: to, recipients: [] });
    expect((await read(to)).volumeData).toEqual([record()]);
  });

  it("a copy location records its own copy, made before its manifest is written", async () => {
    const to = new MemoryObjectStore("offsite");
    const seen: string[] = [];
    const r = await publishBackup(await spillWithVolumeData(), "b1", {
      location: "offsite",
      store: to,
      recipients: [],
      copyVolumeData: async (m) => {
        seen.push(
          `${m.name}: manifest written before the copy? ${!!(await to.tryGet(STORE_LAYOUT.backupManifestKey("b1")))}`,
        );
        return { records: [record({ indexSha256: "b".repeat(64) })], errors: [] };
      },
    });
    expect(seen).toEqual(["b1: manifest written before the copy? false"]);
    expect(r.manifest).toMatchObject({ phase: "Completed", volumeData: [{ indexSha256: "b".repeat(64) }] });
    expect((await read(to)).volumeData![0]!.indexSha256).toBe("b".repeat(64));
  });

  it("a copy that failed in the copy location makes its backup PartiallyFailed, naming the PVC", async () => {
    const to = new MemoryObjectStore("offsite");
    const reason = "the mover Pod hks-system/x cannot start: ErrImagePull";
    await publishBackup(await spillWithVolumeData(), "b1", {
      location: "offsite",
      store: to,
      recipients: [],
      copyVolumeData: async () => ({
        records: [{ namespace: "prod", persistentVolumeClaim: "data", volumeSnapshot: "b1-data", error: reason }],
        errors: [{ item: "volume-data/prod/data", reason }],
      }),
    });
    const m = await read(to);
    expect(m.phase).toBe("PartiallyFailed");
    expect(m.errors).toEqual([{ item: "volume-data/prod/data", reason }]);
  });
});
