/**
 * What a restore checks before it may touch a cluster: the manifest, the identity, the archive's
 * SHA-256 and size, and every archive entry (archive safety), against the in-memory store.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IntegrityError } from "../../../../provider/errors";
import { generateIdentity } from "../../../../provider/engine/archive/encrypt";
import { RestoreOutcomes } from "../../../../provider/engine/restore/result";
import { spillArchive } from "../../../../provider/engine/restore/spill";
import {
  BackupNotRestorableError,
  checkIdentities,
  fetchVerifiedArchive,
  readBackupManifest,
  readVerifiedArchive,
} from "../../../../provider/engine/catalog/read-verified";
import { readArchive } from "../../../../provider/engine/archive/archive";
import { Readable } from "node:stream";
import { STORE_LAYOUT, MemoryObjectStore } from "../../../../provider/store";
import {
  rawArchive,
  rewriteStored,
  storeBackup,
  writeBackupFixture,
  type FixtureObject,
} from "../../../support/backup-fixture";
const cm = (name: string, ns = "prod"): FixtureObject => ({
  group: "",
  resource: "configmaps",
  object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, data: { k: name } },
});

let store: MemoryObjectStore;
let tmp: string;
beforeEach(() => {
  store = new MemoryObjectStore("verify");
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hks-verify-test-"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("readBackupManifest", () => {
  it("reads a complete backup's manifest", async () => {
    await writeBackupFixture({ store, name: "b1", namespaces: ["prod"], objects: [cm("a")] });
    const m = await readBackupManifest(store, "b1");
    expect(m.name).toBe("b1");
    expect(m.artifacts.resources.objects).toBe(1);
  });

  it.each([
    {
      name: "absent backup",
      setup: async () => undefined,
      error: /backup "b1" does not exist in memory:\/\/verify; check the name/,
    },
    {
      name: "incomplete backup (archive, no manifest)",
      setup: async () => {
        await store.put(STORE_LAYOUT.backupResourcesKey("b1"), "x");
      },
      error: /backup "b1" in memory:\/\/verify is incomplete \(no manifest.json/,
    },
    {
      name: "failed backup (failure.json with reasons)",
      setup: async () => {
        await store.put(
          STORE_LAYOUT.backupFailureKey("b1"),
          JSON.stringify({
            formatVersion: 1,
            name: "b1",
            phase: "Failed",
            failedAt: "2026-01-01T02:00:00Z",
            errors: [{ item: "hook", reason: "pg_dump exited 1" }],
          }),
        );
      },
      error:
        /backup "b1" in memory:\/\/verify failed at 2026-01-01T02:00:00Z and cannot be restored:\n {2}hook: pg_dump exited 1/,
    },
  ])("refuses an $name with BackupNotRestorableError", async ({ setup, error }) => {
    await setup();
    const err = await readBackupManifest(store, "b1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupNotRestorableError);
    expect((err as Error).message).toMatch(error);
  });

  it.each([
    { name: "not JSON", manifest: "{", error: /manifest.json of backup b1 is not valid JSON/ },
    { name: "no formatVersion", manifest: JSON.stringify({ name: "b1" }), error: /has no formatVersion/ },
    {
      name: "a newer format",
      manifest: JSON.stringify({ formatVersion: 2, name: "b1" }),
      error: /manifest format 2; this hks-backup reads format 1: upgrade hks-backup/,
    },
    {
      name: "another backup's manifest",
      manifest: JSON.stringify({ formatVersion: 1, name: "b2" }),
      error: /names backup "b2"/,
    },
    {
      name: "no artifacts",
      manifest: JSON.stringify({ formatVersion: 1, name: "b1" }),
      error: /lacks artifacts.resources/,
    },
    {
      name: "an archive key outside the backup",
      manifest: JSON.stringify({
        formatVersion: 1,
        name: "b1",
        artifacts: {
          resources: { key: "hks/v1/backups/b2/resources.tar.gz", bytes: 1, sha256: "x", encrypted: false },
        },
      }),
      error: /names archive "hks\/v1\/backups\/b2\/resources.tar.gz", expected hks\/v1\/backups\/b1\/resources.tar.gz/,
    },
  ])("refuses a manifest that is $name (IntegrityError)", async ({ manifest, error }) => {
    await store.put(STORE_LAYOUT.backupManifestKey("b1"), manifest);
    const err = await readBackupManifest(store, "b1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(error);
  });
});

describe("fetchVerifiedArchive", () => {
  it("downloads the archive and checks its SHA-256 and size", async () => {
    const m = await writeBackupFixture({ store, name: "b1", namespaces: ["prod"], objects: [cm("a"), cm("b")] });
    const file = await fetchVerifiedArchive(store, m, tmp);
    expect(fs.readFileSync(file)).toEqual(await store.tryGet(m.artifacts.resources.key));
  });

  it.each([
    {
      name: "a flipped byte",
      damage: (b: Buffer) => {
        const c = Buffer.from(b);
        c[Math.floor(c.length / 2)] ^= 0x01;
        return c;
      },
      error: /does not match its manifest: .* The stored archive is corrupt; nothing was restored/,
    },
    {
      name: "truncation",
      damage: (b: Buffer) => b.subarray(0, b.length - 10),
      error: /The stored archive is truncated; nothing was restored/,
    },
    { name: "extra bytes", damage: (b: Buffer) => Buffer.concat([b, Buffer.from("x")]), error: /is corrupt/ },
  ])("refuses $name with an IntegrityError", async ({ damage, error }) => {
    const m = await writeBackupFixture({ store, name: "b1", namespaces: ["prod"], objects: [cm("a")] });
    await rewriteStored(store, m.artifacts.resources.key, damage);
    const err = await fetchVerifiedArchive(store, m, tmp).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(error);
  });
});

describe("identities", () => {
  it("requires an identity for an encrypted backup, and refuses one that is not a recipient", async () => {
    const right = await generateIdentity();
    const wrong = await generateIdentity();
    const m = await writeBackupFixture({
      store,
      name: "b1",
      namespaces: ["prod"],
      objects: [cm("a")],
      recipients: [right.recipient],
    });
    await expect(checkIdentities(m, [])).rejects.toThrow(/backup b1 is encrypted \(age\): give the identity/);
    const err = await checkIdentities(m, [wrong.identity]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(/none of the given identities can decrypt backup b1: .*age-keygen -y/);
    expect((err as Error).message).not.toContain(wrong.identity);
    await expect(checkIdentities(m, [wrong.identity, right.identity])).resolves.toBeUndefined();
  });

  it(
    "a wrong identity also fails decryption (when the manifest has no fingerprints) before any " + "object is read",
    async () => {
      const right = await generateIdentity();
      const wrong = await generateIdentity();
      const m = await writeBackupFixture({
        store,
        name: "b1",
        namespaces: ["prod"],
        objects: [cm("a")],
        recipients: [right.recipient],
      });
      const file = await fetchVerifiedArchive(store, m, tmp);
      const outcomes = new RestoreOutcomes();
      const err = await spillArchive(
        readVerifiedArchive(file, true, [wrong.identity]),
        { namespaceMapping: {} },
        tmp,
        outcomes,
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as Error).message).toMatch(/none of the given identities can open this file/);
      const ok = await spillArchive(
        readVerifiedArchive(file, true, [right.identity]),
        { namespaceMapping: {} },
        tmp,
        new RestoreOutcomes(),
      );
      expect(ok.total).toBe(1);
    },
  );
});

describe("archive safety: entries are refused before anything is applied", () => {
  const good = {
    name: "resources/configmaps/prod/a.yaml",
    content: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: prod}\n",
  };
  it.each([
    { name: "an absolute path", entries: [{ name: "/etc/passwd", content: "x" }], error: /the path is absolute/ },
    {
      name: "a '..' segment",
      entries: [{ name: "resources/configmaps/../../../etc/x.yaml", content: "x" }],
      error: /'\.' or '\.\.' segment/,
    },
    {
      name: "a symlink",
      entries: [{ name: "resources/configmaps/prod/l.yaml", type: "symlink" as const, linkname: "/etc/passwd" }],
      error: /is a symlink entry; only regular files are accepted/,
    },
    {
      name: "a hard link",
      entries: [good, { name: "resources/configmaps/prod/h.yaml", type: "link" as const, linkname: good.name }],
      error: /is a link entry/,
    },
    {
      name: "a path outside the scheme",
      entries: [{ name: "manifest.json", content: "{}" }],
      error: /does not match the archive scheme/,
    },
    { name: "the same path twice", entries: [good, good], error: /appears twice/ },
    {
      name: "an object in a namespace the backup did not record",
      entries: [
        good,
        {
          name: "resources/secrets/kube-system/admin.yaml",
          content: "apiVersion: v1\nkind: Secret\nmetadata: {name: admin, namespace: kube-system}\n",
        },
      ],
      error: /namespace kube-system is not one the backup recorded \(prod\)/,
    },
    {
      name: "content that contradicts its path",
      entries: [
        {
          name: "resources/configmaps/prod/a.yaml",
          content: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: kube-system}\n",
        },
      ],
      error: /metadata.namespace is "kube-system", the path says "prod"/,
    },
  ])("refuses $name", async ({ entries, error }) => {
    const bytes = await rawArchive(entries);
    const err = await spillArchive(
      readArchive(Readable.from([bytes])),
      { namespaceMapping: {}, backupNamespaces: ["prod"] },
      tmp,
      new RestoreOutcomes(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(error);
  });

  it("a YAML entry that does not parse fails that object only", async () => {
    const bytes = await rawArchive([good, { name: "resources/configmaps/prod/bad.yaml", content: "a: [unclosed" }]);
    const outcomes = new RestoreOutcomes();
    const index = await spillArchive(readArchive(Readable.from([bytes])), { namespaceMapping: {} }, tmp, outcomes);
    expect(index.total).toBe(1);
    expect(outcomes.failedGroups()).toEqual([expect.objectContaining({ count: 1, items: ["configmaps/prod/bad"] })]);
  });

  it("stores a fixture the same way the manifest describes it (sanity of the builder)", async () => {
    const m = await storeBackup({ store, name: "raw", namespaces: ["prod"] }, await rawArchive([good]), 1);
    expect((await store.head(m.artifacts.resources.key))?.size).toBe(m.artifacts.resources.bytes);
  });
});
