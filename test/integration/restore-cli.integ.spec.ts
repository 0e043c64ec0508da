/**
 * `hks restore create | describe` as a user runs it: the compiled CLI (`node bin/hks.js`) spawned
 * with the stack's environment. Exit codes: 0 Completed, 2 PartiallyFailed, 1 Failed or bad input.
 * Needs `npx tsc -p .` first (bin/hks.js runs dist/).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateIdentity } from "../../provider/engine/archive/encrypt";
import { STORE_LAYOUT, type ObjectStore } from "../../provider/store";
import { createTestLocation, uniq, writeBackupFixture, type FixtureObject } from "../support/backup-fixture";
import { runHks, type HksRun } from "../support/hks-cli";
import { deleteNamespaces } from "../support/restore-source";

const stack = inject("stack");
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const core = kc.makeApiClient(k8s.CoreV1Api);
const run = uniq("cli");
const SRC = `${run}-prod`;
const LOC_NS = `${run}-hks`;
const namespaces = [LOC_NS];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hks-restore-cli-"));
let store: ObjectStore;
let identity: string;

const cm = (
  name: string,
  labels: Record<string, string> = {},
  data: Record<string, string> = { a: "1" },
): FixtureObject => ({
  group: "",
  resource: "configmaps",
  object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: SRC, labels }, data },
});
const OBJECTS = [
  cm("web-settings", { app: "web" }),
  cm("db-settings", { app: "db" }),
  {
    group: "",
    resource: "secrets",
    object: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db", namespace: SRC },
      type: "Opaque",
      data: { p: "cA==" },
    },
  },
];

/** Runs `hks` with the stack env; resolves with exit code and output. */
const hks = (args: string[], env: Record<string, string> = {}): Promise<HksRun> => runHks(LOC_NS, args, env);

const target = (suffix: string) => {
  const ns = `${run}-${suffix}`;
  namespaces.push(ns);
  return ns;
};
const exists = (name: string) =>
  core.readNamespace({ name }).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  ({ store } = await createTestLocation(kc, {
    name: "main",
    namespace: LOC_NS,
    bucket: "hks-it-restore",
    prefix: run,
    s3: {
      endpoint: stack.s3Endpoint,
      region: stack.s3Region,
      accessKeyId: stack.s3AccessKeyId,
      secretAccessKey: stack.s3SecretAccessKey,
    },
  }));
  await writeBackupFixture({ store, name: "b-ok", namespaces: [SRC], objects: OBJECTS });
  // A key with a space is refused by the apiserver (422): that object fails, the rest restore.
  await writeBackupFixture({
    store,
    name: "b-partial",
    namespaces: [SRC],
    objects: [cm("good"), cm("bad", {}, { "not a key!": "x" })],
  });
  const keys = await generateIdentity();
  identity = keys.identity;
  await writeBackupFixture({ store, name: "b-enc", namespaces: [SRC], objects: OBJECTS, recipients: [keys.recipient] });
  fs.writeFileSync(
    path.join(tmp, "key.txt"),
    `# created: 2026-01-01T00:00:00Z\n# public key: ${keys.recipient}\n${identity}\n`,
    { mode: 0o600 },
  );
  fs.writeFileSync(path.join(tmp, "wrong.txt"), `${(await generateIdentity()).identity}\n`, { mode: 0o600 });
  await writeBackupFixture({
    store,
    name: "daily-1",
    plan: "daily",
    namespaces: [SRC],
    objects: [cm("from-day-1")],
    completedAt: new Date("2026-01-01T02:00:00Z"),
  });
  await writeBackupFixture({
    store,
    name: "daily-2",
    plan: "daily",
    namespaces: [SRC],
    objects: [cm("from-day-2")],
    completedAt: new Date("2026-01-02T02:00:00Z"),
  });
  await writeBackupFixture({ store, name: "b-corrupt", namespaces: [SRC], objects: OBJECTS });
  const key = STORE_LAYOUT.backupResourcesKey("b-corrupt");
  const body = Buffer.from((await store.tryGet(key))!);
  body[body.length - 20] ^= 0xff;
  await store.delete(key);
  await store.put(key, body);
});

afterAll(async () => {
  await deleteNamespaces(kc, namespaces);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("hks restore create", () => {
  it(
    "restores with a namespace mapping: exit 0, counts on stdout, progress on stderr; describe " + "shows the record",
    async () => {
      const dst = target("clone");
      const r = await hks([
        "restore",
        "create",
        "r-clone",
        "--from-backup",
        "b-ok",
        "--namespace-mapping",
        `${SRC}:${dst}`,
        "--wait",
      ]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toBe(
        `restore r-clone of backup b-ok (location main, ${SRC}→${dst}) into ${stack.apiserverUrl}\n` +
          `  Completed: 3 restored (3 created), 0 skipped, 0 failed\n  created namespaces: ${dst}\n`,
      );
      expect(r.stderr).toContain("restoring backup b-ok from main (s3://hks-it-restore/");
      expect(r.stderr).toMatch(/verify: \d+\/\d+.*SHA-256 verified/);
      expect(r.stderr).toMatch(/restore: 3\/3/);
      expect((await core.readNamespacedConfigMap({ name: "web-settings", namespace: dst })).data).toEqual({ a: "1" });

      const d = await hks(["restore", "describe", "r-clone"]);
      expect(d.code).toBe(0);
      expect(d.stdout).toContain("  Completed: 3 restored (3 created), 0 skipped, 0 failed\n");
      expect(d.stdout).toMatch(/started \S+, completed \S+ \([\d.]+ objects\/s\)/);
      const cmap = await core.readNamespacedConfigMap({ name: "hks-restore-r-clone", namespace: LOC_NS });
      expect(JSON.parse(cmap.data!["result.json"])).toMatchObject({
        phase: "Completed",
        backupName: "b-ok",
        createdNamespaces: [{ name: dst }],
      });
      // The CLI's record is the CLI's own: no stack's Restore may overwrite it (issue 15).
      expect(cmap.metadata!.annotations).toEqual({ "hks.io/owner": "hks-cli" });
    },
  );

  it("refuses a restore name that is taken (exit 1) without touching anything", async () => {
    const r = await hks([
      "restore",
      "create",
      "r-clone",
      "--from-backup",
      "b-ok",
      "--namespace-mapping",
      `${SRC}:${run}-never`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `restore "r-clone" already exists in ${LOC_NS}; see it with 'hks restore describe r-clone'`,
    );
    expect(await exists(`${run}-never`)).toBe(false);
  });

  it(
    "filters by selector and resource type, and updates existing objects with " + "--existing-resource-policy update",
    async () => {
      const dst = target("filtered");
      const r = await hks([
        "restore",
        "create",
        "r-filtered",
        "--from-backup",
        "b-ok",
        "--namespace-mapping",
        `${SRC}:${dst}`,
        "--selector",
        "app=web",
        "--include-resources",
        "configmaps",
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("Completed: 1 restored (1 created), 2 skipped, 0 failed");
      expect(r.stdout).toMatch(/1 × labels do not match the selector: configmaps\/\S+\/db-settings/);
      expect(r.stdout).toMatch(/1 × resource type not in includeResources: secrets\/\S+\/db/);
      await core.replaceNamespacedConfigMap({
        name: "web-settings",
        namespace: dst,
        body: { metadata: { name: "web-settings", namespace: dst, labels: { app: "web" } }, data: { a: "changed" } },
      });
      const u = await hks([
        "restore",
        "create",
        "r-update",
        "--from-backup",
        "b-ok",
        "--namespace-mapping",
        `${SRC}:${dst}`,
        "--include-resources",
        "configmaps",
        "--existing-resource-policy",
        "update",
      ]);
      expect(u.code, u.stderr).toBe(0);
      expect(u.stdout).toContain("Completed: 2 restored (1 created, 1 updated), 1 skipped, 0 failed");
      expect((await core.readNamespacedConfigMap({ name: "web-settings", namespace: dst })).data).toEqual({ a: "1" });
    },
  );

  it("--from-plan restores the plan's newest Completed backup", async () => {
    const dst = target("latest");
    const r = await hks([
      "restore",
      "create",
      "r-latest",
      "--from-plan",
      "daily",
      "--namespace-mapping",
      `${SRC}:${dst}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("restore r-latest of backup daily-2 ");
    expect((await core.listNamespacedConfigMap({ namespace: dst })).items.map((c) => c.metadata?.name)).toContain(
      "from-day-2",
    );
  });

  it("PartiallyFailed exits 2 and names the failed object with the server's reason", async () => {
    const dst = target("partial");
    const r = await hks([
      "restore",
      "create",
      "r-partial",
      "--from-backup",
      "b-partial",
      "--namespace-mapping",
      `${SRC}:${dst}`,
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("PartiallyFailed: 1 restored (1 created), 0 skipped, 1 failed");
    expect(r.stdout).toMatch(
      /failed:\n {4}1 × HTTP 422: ConfigMap <name> is invalid: .*not a key!.*: configmaps\/\S+\/bad/,
    );
  });

  it("a corrupted archive exits 1, restores nothing, and the record says why", async () => {
    const dst = `${run}-corrupt`;
    const r = await hks([
      "restore",
      "create",
      "r-corrupt",
      "--from-backup",
      "b-corrupt",
      "--namespace-mapping",
      `${SRC}:${dst}`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Failed: 0 restored (0 created), 0 skipped, 0 failed");
    expect(r.stdout).toMatch(/error: IntegrityError: archive .* does not match its manifest/);
    expect(await exists(dst)).toBe(false);
    expect((await hks(["restore", "describe", "r-corrupt"])).stdout).toContain("error: IntegrityError");
  });

  it(
    "decrypts with --identity-file (read as age -i does) or HKS_AGE_IDENTITY; a wrong identity exits 1 and " +
      "creates nothing",
    async () => {
      const wrongNs = `${run}-wrong`;
      const wrong = await hks([
        "restore",
        "create",
        "r-wrong",
        "--from-backup",
        "b-enc",
        "--namespace-mapping",
        `${SRC}:${wrongNs}`,
        "--identity-file",
        path.join(tmp, "wrong.txt"),
      ]);
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toMatch(/error: IntegrityError: none of the given identities can decrypt backup b-enc/);
      expect(await exists(wrongNs)).toBe(false);
      const byFile = await hks([
        "restore",
        "create",
        "r-file",
        "--from-backup",
        "b-enc",
        "--namespace-mapping",
        `${SRC}:${target("byfile")}`,
        "--identity-file",
        path.join(tmp, "key.txt"),
      ]);
      expect(byFile.code, byFile.stdout + byFile.stderr).toBe(0);
      const byEnv = await hks(
        ["restore", "create", "r-env", "--from-backup", "b-enc", "--namespace-mapping", `${SRC}:${target("byenv")}`],
        { HKS_AGE_IDENTITY: identity },
      );
      expect(byEnv.code, byEnv.stdout + byEnv.stderr).toBe(0);
      expect(byEnv.stdout + byEnv.stderr).not.toContain(identity);
    },
  );

  it.each([
    { name: "no backup", args: [], error: /--from-backup: is required/ },
    {
      name: "a malformed mapping",
      args: ["--from-backup", "b-ok", "--namespace-mapping", "prod"],
      error: /--namespace-mapping: "prod" is not source:target/,
    },
    {
      name: "an unknown policy",
      args: ["--from-backup", "b-ok", "--existing-resource-policy", "overwrite"],
      error: /--existing-resource-policy: must be one of "none", "update", got "overwrite"/,
    },
    {
      name: "a bad selector",
      args: ["--from-backup", "b-ok", "--selector", "app=web,"],
      error: /--selector: .*empty requirement/,
    },
    {
      name: "a missing identity file",
      args: ["--from-backup", "b-ok", "--identity-file", "/nonexistent/key.txt"],
      error: /--identity-file: cannot read \/nonexistent\/key.txt: ENOENT/,
    },
    {
      name: "an unknown backup",
      args: ["--from-backup", "no-such-backup"],
      error: /backup "no-such-backup" does not exist in s3:\/\/hks-it-restore\//,
    },
  ])("refuses $name with exit 1 and a message naming the flag", async ({ args, error }) => {
    const r = await hks(["restore", "create", `r-bad-${Math.random().toString(36).slice(2, 8)}`, ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toMatch(error);
  });

  it("describe of an unknown restore exits 1", async () => {
    const r = await hks(["restore", "describe", "no-such-restore"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no restore "no-such-restore" is recorded in namespace ${LOC_NS}`);
  });
});
