import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../provider/errors";
import {
  BACKUP_FILES,
  createLayout,
  nameProblem,
  normalizePrefix,
  type StoreLayout,
} from "../../../provider/store/layout";

describe("normalizePrefix", () => {
  it.each([
    { name: "empty", raw: "", want: "" },
    { name: "only slashes", raw: "///", want: "" },
    { name: "plain", raw: "team-a", want: "team-a" },
    { name: "leading and trailing slash", raw: "/team-a/", want: "team-a" },
    { name: "nested", raw: "a/b/c", want: "a/b/c" },
    { name: "repeated slashes", raw: "//a//b///c//", want: "a/b/c" },
    { name: "dots inside names are fine", raw: "v1.2/x..y", want: "v1.2/x..y" },
  ])("$name: $raw -> $want", ({ raw, want }) => {
    expect(normalizePrefix(raw)).toBe(want);
  });

  it.each([
    { name: "dot segment", raw: "a/./b" },
    { name: "dot-dot segment", raw: "a/../b" },
    { name: "only dot-dot", raw: ".." },
    { name: "NUL", raw: "a\0b" },
    { name: "backslash", raw: "a\\b" },
  ])("rejects $name with an InputError naming the field", ({ raw }) => {
    const err = (() => {
      try {
        normalizePrefix(raw, "objectStorage.prefix");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe("objectStorage.prefix");
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "b-c", "", "x.y")).map((p) => p.join("/")),
        (raw) => {
          const once = normalizePrefix(raw);
          expect(normalizePrefix(once)).toBe(once);
          expect(once.startsWith("/") || once.endsWith("/")).toBe(false);
        },
      ),
    );
  });
});

describe("nameProblem (backup and plan names)", () => {
  it.each([
    { name: "simple", value: "daily" },
    { name: "with digits and dashes", value: "production-db-daily-20240101-020000" },
    { name: "dotted", value: "pre-migration.v2" },
    { name: "single char", value: "a" },
    { name: "digits only", value: "123" },
    { name: "253 chars", value: `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}` },
  ])("accepts $name", ({ value }) => {
    expect(nameProblem(value)).toBeUndefined();
  });

  it.each([
    { name: "empty", value: "", why: "empty" },
    { name: "254 chars", value: "a".repeat(254), why: "limit is 253" },
    { name: "slash", value: "a/b", why: "contains '/'" },
    { name: "dot-dot", value: "a..b", why: "no '..'" },
    { name: "just dot-dot", value: "..", why: "DNS-1123" },
    { name: "just dot", value: ".", why: "DNS-1123" },
    { name: "upper case", value: "Daily", why: "lowercase" },
    { name: "underscore", value: "a_b", why: "DNS-1123" },
    { name: "leading dash", value: "-a", why: "start and end" },
    { name: "trailing dash", value: "a-", why: "start and end" },
    { name: "trailing dot", value: "a.", why: "DNS-1123" },
    { name: "space", value: "a b", why: "DNS-1123" },
    { name: "NUL", value: "a\0", why: "DNS-1123" },
    { name: "unicode", value: "bäckup", why: "DNS-1123" },
  ])("rejects $name", ({ value, why }) => {
    expect(nameProblem(value)).toContain(why);
  });
});

describe("createLayout key builders", () => {
  const table: { name: string; prefix: string; root: string }[] = [
    { name: "empty prefix", prefix: "", root: "hks/" },
    { name: "plain prefix", prefix: "team-a", root: "team-a/hks/" },
    { name: "messy prefix", prefix: "/team-a//nightly/", root: "team-a/nightly/hks/" },
  ];

  it.each(table)("$name: every key sits under $root", ({ prefix, root }) => {
    const l = createLayout(prefix);
    expect(l.rootPrefix).toBe(root);
    expect(l.backupsPrefix).toBe(`${root}v1/backups/`);
    expect(l.locksPrefix).toBe(`${root}v1/locks/`);
    expect(l.backupPrefix("b1")).toBe(`${root}v1/backups/b1/`);
    expect(l.backupResourcesKey("b1")).toBe(`${root}v1/backups/b1/resources.tar.gz`);
    expect(l.backupResourcesKey("b1", { encrypted: false })).toBe(`${root}v1/backups/b1/resources.tar.gz`);
    expect(l.backupResourcesKey("b1", { encrypted: true })).toBe(`${root}v1/backups/b1/resources.tar.gz.age`);
    expect(l.backupVolumesKey("b1")).toBe(`${root}v1/backups/b1/volumes.json`);
    expect(l.backupManifestKey("b1")).toBe(`${root}v1/backups/b1/manifest.json`);
    expect(l.backupFailureKey("b1")).toBe(`${root}v1/backups/b1/failure.json`);
    expect(l.lockKey("production-db-daily")).toBe(`${root}v1/locks/production-db-daily.json`);
  });

  it.each([
    { name: "slash", value: "a/b" },
    { name: "dot-dot", value: ".." },
    { name: "upper case", value: "B1" },
    { name: "empty", value: "" },
  ])("builders refuse an invalid name ($name) with an InputError", ({ value }) => {
    const l = createLayout("p");
    for (const build of [
      () => l.backupPrefix(value),
      () => l.backupResourcesKey(value),
      () => l.backupVolumesKey(value),
      () => l.backupManifestKey(value),
      () => l.backupFailureKey(value),
    ])
      expect(build).toThrow(InputError);
    expect(() => l.lockKey(value)).toThrow(/planName/);
  });

  it("is frozen (a layout is a value)", () => {
    expect(Object.isFrozen(createLayout("p"))).toBe(true);
  });
});

describe("parseBackupKey", () => {
  const l = createLayout("team-a");
  it.each([
    {
      name: "archive",
      key: "team-a/hks/v1/backups/b1/resources.tar.gz",
      want: { backupName: "b1", file: "resources.tar.gz" },
    },
    {
      name: "encrypted archive",
      key: "team-a/hks/v1/backups/b1/resources.tar.gz.age",
      want: { backupName: "b1", file: "resources.tar.gz.age" },
    },
    {
      name: "volumes",
      key: "team-a/hks/v1/backups/b.2/volumes.json",
      want: { backupName: "b.2", file: "volumes.json" },
    },
    {
      name: "manifest",
      key: "team-a/hks/v1/backups/b-3/manifest.json",
      want: { backupName: "b-3", file: "manifest.json" },
    },
    {
      name: "failure record",
      key: "team-a/hks/v1/backups/b-3/failure.json",
      want: { backupName: "b-3", file: "failure.json" },
    },
    { name: "other prefix", key: "team-b/hks/v1/backups/b1/manifest.json", want: undefined },
    { name: "no prefix", key: "hks/v1/backups/b1/manifest.json", want: undefined },
    { name: "other version", key: "team-a/hks/v2/backups/b1/manifest.json", want: undefined },
    { name: "unknown file", key: "team-a/hks/v1/backups/b1/notes.txt", want: undefined },
    { name: "nested file", key: "team-a/hks/v1/backups/b1/x/manifest.json", want: undefined },
    { name: "folder only", key: "team-a/hks/v1/backups/b1/", want: undefined },
    { name: "invalid backup name", key: "team-a/hks/v1/backups/B1/manifest.json", want: undefined },
    { name: "dot-dot as name", key: "team-a/hks/v1/backups/../manifest.json", want: undefined },
    { name: "lock", key: "team-a/hks/v1/locks/p.json", want: undefined },
    { name: "empty", key: "", want: undefined },
  ])("$name", ({ key, want }) => {
    expect(l.parseBackupKey(key)).toEqual(want);
  });

  it("round-trips every builder for any valid name and prefix", () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    const name = fc.array(label, { minLength: 1, maxLength: 3 }).map((p) => p.join("."));
    const prefix = fc.array(fc.constantFrom("a", "b-1", "x.y", ""), { maxLength: 3 }).map((p) => p.join("/"));
    fc.assert(
      fc.property(name, prefix, fc.boolean(), (n, p, encrypted) => {
        const layout: StoreLayout = createLayout(p);
        const built: [string, string][] = [
          [
            layout.backupResourcesKey(n, { encrypted }),
            encrypted ? BACKUP_FILES.resourcesEncrypted : BACKUP_FILES.resources,
          ],
          [layout.backupVolumesKey(n), BACKUP_FILES.volumes],
          [layout.backupManifestKey(n), BACKUP_FILES.manifest],
          [layout.backupFailureKey(n), BACKUP_FILES.failure],
        ];
        for (const [key, file] of built) {
          expect(layout.parseBackupKey(key)).toEqual({ backupName: n, file });
          expect(layout.isValidLayoutKey(key)).toBe(true);
        }
        expect(layout.isValidLayoutKey(layout.lockKey(n))).toBe(true);
      }),
    );
  });
});

describe("isValidLayoutKey (foreign objects under <prefix>/hks/)", () => {
  const l = createLayout("");
  it.each([
    { name: "backup archive", key: "hks/v1/backups/b1/resources.tar.gz", valid: true },
    { name: "manifest", key: "hks/v1/backups/b1/manifest.json", valid: true },
    { name: "lock", key: "hks/v1/locks/production-db-daily.json", valid: true },
    { name: "foreign top-level file", key: "hks/README.txt", valid: false },
    { name: "foreign top-level folder", key: "hks/restores/x.json", valid: false },
    { name: "unknown layout version", key: "hks/v2/backups/b1/manifest.json", valid: false },
    { name: "foreign folder in v1", key: "hks/v1/other/x", valid: false },
    { name: "foreign file in a backup", key: "hks/v1/backups/b1/extra.bin", valid: false },
    { name: "file directly in backups", key: "hks/v1/backups/manifest.json", valid: false },
    { name: "lock without .json", key: "hks/v1/locks/p", valid: false },
    { name: "lock with invalid plan name", key: "hks/v1/locks/Plan.json", valid: false },
    { name: "nested lock", key: "hks/v1/locks/a/p.json", valid: false },
    { name: "outside hks/", key: "velero/backups/b1/velero-backup.json", valid: false },
    { name: "lookalike root", key: "hksx/v1/backups/b1/manifest.json", valid: false },
    { name: "volume index", key: "hks/v1/backups/b1/volumes/prod/data.index.json", valid: true },
    { name: "encrypted volume index", key: "hks/v1/backups/b1/volumes/prod/data.index.json.age", valid: true },
    { name: "volume blob list", key: "hks/v1/backups/b1/volumes/prod/data.blobs.json", valid: true },
    { name: "foreign file in volumes/", key: "hks/v1/backups/b1/volumes/prod/data.txt", valid: false },
    { name: "volume record of a bad PVC name", key: "hks/v1/backups/b1/volumes/prod/Data.index.json", valid: false },
    { name: "pack", key: `hks/v1/volume-data/prod/data/packs/${"0a".repeat(16)}.pack`, valid: true },
    { name: "encrypted pack", key: `hks/v1/volume-data/prod/data/packs/${"0a".repeat(16)}.pack.age`, valid: true },
    { name: "pack with a short id", key: "hks/v1/volume-data/prod/data/packs/0a.pack", valid: false },
    { name: "foreign file in volume-data/", key: "hks/v1/volume-data/prod/data/other", valid: false },
    { name: "collector lease", key: "hks/v1/volume-data/prod/data/leases/gc.json", valid: true },
    { name: "push lease", key: "hks/v1/volume-data/prod/data/leases/push-0a1b2c3d4e5f6a7b.json", valid: true },
    { name: "foreign lease", key: "hks/v1/volume-data/prod/data/leases/other.json", valid: false },
    { name: "lease of a bad PVC name", key: "hks/v1/volume-data/prod/Data/leases/gc.json", valid: false },
  ])("$name -> $valid", ({ key, valid }) => {
    expect(l.isValidLayoutKey(key)).toBe(valid);
  });
});

describe("volume data keys", () => {
  const l = createLayout("team-a");
  const id = "0123456789abcdef".repeat(2);
  it("builds and parses pack keys", () => {
    expect(l.volumePackKey("prod", "pg-data", id)).toBe(`team-a/hks/v1/volume-data/prod/pg-data/packs/${id}.pack`);
    const key = l.volumePackKey("prod", "pg-data", id, { encrypted: true });
    expect(key.startsWith(l.volumePacksPrefix("prod", "pg-data"))).toBe(true);
    expect(l.parsePackKey(key)).toEqual({ namespace: "prod", pvc: "pg-data", packId: id, encrypted: true });
    expect(l.parsePackKey(l.backupManifestKey("b"))).toBeUndefined();
  });
  it("builds lease keys beside the packs, which a pack listing does not see", () => {
    expect(l.volumeLeaseKey("prod", "pg-data", "gc")).toBe("team-a/hks/v1/volume-data/prod/pg-data/leases/gc.json");
    const push = l.volumeLeaseKey("prod", "pg-data", "push-0a1b");
    expect(push.startsWith(l.volumeLeasesPrefix("prod", "pg-data"))).toBe(true);
    expect(push.startsWith(l.volumePacksPrefix("prod", "pg-data"))).toBe(false);
    expect(l.parsePackKey(push)).toBeUndefined();
  });
  it.each([
    { file: "index", suffix: ".index.json" },
    { file: "indexEncrypted", suffix: ".index.json.age" },
    { file: "blobs", suffix: ".blobs.json" },
  ] as const)("builds and parses the $file record of a PVC", ({ file, suffix }) => {
    // A PVC name with dots that look like the suffixes still parses back to itself.
    const key = l.backupVolumeRecordKey("b1", "prod", "data.index", file);
    expect(key).toBe(`team-a/hks/v1/backups/b1/volumes/prod/data.index${suffix}`);
    expect(l.parseVolumeRecordKey(key)).toEqual({ backupName: "b1", namespace: "prod", pvc: "data.index", file });
    expect(l.parseBackupKey(key)).toBeUndefined();
    expect(l.parseDrillKey(key)).toBeUndefined();
  });
  it.each([
    { name: "namespace", call: () => l.volumePacksPrefix("Prod", "data"), field: "namespace" },
    { name: "pvc", call: () => l.backupVolumeRecordKey("b1", "prod", "a/b", "blobs"), field: "pvc" },
    { name: "pack id", call: () => l.volumePackKey("prod", "data", "xyz"), field: "packId" },
    { name: "lease", call: () => l.volumeLeaseKey("prod", "data", "push-A"), field: "lease" },
  ])("refuses a bad $name", ({ call, field }) => {
    expect(call).toThrow(InputError);
    expect(call).toThrow(new RegExp(`^InputError: ${field}:`));
  });
});
