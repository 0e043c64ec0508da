/** Backup names: `<base>-YYYYMMDDHHMMSS` (UTC), sortable, valid; given names used as is; taken names refused. */
import { describe, expect, it } from "vitest";
import { formatStamp, generateBackupName, nameBase, resolveBackupName } from "../../../../provider/engine/backup/name";
import { ConflictError, InputError } from "../../../../provider/errors";
import { STORE_LAYOUT, MemoryObjectStore, nameProblem } from "../../../../provider/store";

const at = new Date("2026-03-04T05:06:07.890Z");

describe("generated names", () => {
  it("are <base>-YYYYMMDDHHMMSS in UTC", () => {
    expect(formatStamp(at)).toBe("20260304050607");
    expect(generateBackupName("production-db-daily", at)).toBe("production-db-daily-20260304050607");
  });
  it("sort by time within a base", () => {
    const names = ["2026-12-31T23:59:59Z", "2026-01-01T00:00:00Z", "2026-06-15T12:00:00Z"].map((d) =>
      generateBackupName("b", new Date(d)),
    );
    expect([...names].sort()).toEqual([names[1], names[2], names[0]]);
  });
  it.each([
    { raw: "Pre_Migration", base: "pre-migration" },
    { raw: "--a..b--", base: "a.b" },
    { raw: "ÄÖÜ", base: "backup" },
    { raw: "x".repeat(300), base: "x".repeat(235) },
  ])("make a valid base of $raw", ({ raw, base }) => {
    expect(nameBase(raw)).toBe(base);
    expect(nameProblem(generateBackupName(raw, at))).toBeUndefined();
  });
});

describe("resolveBackupName", () => {
  it("uses a free given name as is, and refuses a taken one (even a failed or incomplete backup)", async () => {
    const store = new MemoryObjectStore();
    expect(await resolveBackupName(store, { given: "my-backup", base: "x", now: at })).toBe("my-backup");
    await store.put(STORE_LAYOUT.backupFailureKey("my-backup"), "{}");
    await expect(resolveBackupName(store, { given: "my-backup", base: "x", now: at, field: "<name>" })).rejects.toThrow(
      ConflictError,
    );
    await expect(resolveBackupName(store, { given: "my-backup", base: "x", now: at, field: "<name>" })).rejects.toThrow(
      /<name>: a backup named "my-backup" already exists in memory:\/\/test.*hks backup delete my-backup/,
    );
  });
  it("refuses an invalid given name with the field", async () => {
    await expect(
      resolveBackupName(new MemoryObjectStore(), { given: "Bad/Name", base: "x", now: at, field: "name" }),
    ).rejects.toThrow(InputError);
  });
  it("generates, and suffixes -2, -3 when two backups start in the same second", async () => {
    const store = new MemoryObjectStore();
    const first = await resolveBackupName(store, { base: "daily", now: at });
    expect(first).toBe("daily-20260304050607");
    await store.put(STORE_LAYOUT.backupResourcesKey(first), "x");
    const second = await resolveBackupName(store, { base: "daily", now: at });
    expect(second).toBe("daily-20260304050607-2");
    await store.put(STORE_LAYOUT.backupResourcesKey(second), "x");
    expect(await resolveBackupName(store, { base: "daily", now: at })).toBe("daily-20260304050607-3");
    expect([first, second].sort()).toEqual([first, second]);
  });
});
