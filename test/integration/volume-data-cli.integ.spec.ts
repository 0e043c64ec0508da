/**
 * `hks volume-data push | pull | verify` as the mover Pod will run them: the compiled CLI as a
 * process, against a location recorded in the cluster whose bucket is the stack's real MinIO,
 * encrypted for an age recipient. Needs `npx tsc -p .` first (bin/hks.js runs dist/).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateIdentity } from "../../provider/engine/archive/encrypt";
import { STORE_LAYOUT, type ObjectStore } from "../../provider/store";
import { adminKubeConfig, createLocation, locationNamespace, rand } from "../support/backup-fixture";
import { runHks } from "../support/hks-cli";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const locNs = locationNamespace();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hks-it-voldata-"));
const src = path.join(tmp, "src");
let store: ObjectStore;
let locName: string;
let identity: string;

/** A few MB: random files, a sparse file, a symlink, an empty directory, a unicode name. */
function writeSource(): void {
  fs.mkdirSync(path.join(src, "pgdata", "base"), { recursive: true });
  for (let i = 0; i < 20; i++)
    fs.writeFileSync(path.join(src, "pgdata", "base", `${16384 + i}`), crypto.randomBytes(100_000 + i * 7_000));
  fs.writeFileSync(path.join(src, "big.bin"), crypto.randomBytes(5 * 1024 * 1024 + 17));
  const fd = fs.openSync(path.join(src, "sparse.img"), "w");
  fs.ftruncateSync(fd, 12 * 1024 * 1024);
  fs.writeSync(fd, Buffer.from("middle"), 0, 6, 6 * 1024 * 1024);
  fs.closeSync(fd);
  fs.writeFileSync(path.join(src, "données é.txt"), "unicode\n");
  fs.chmodSync(path.join(src, "pgdata"), 0o700);
  fs.symlinkSync("pgdata/base", path.join(src, "link"));
  fs.mkdirSync(path.join(src, "empty"));
}

/** type, path, mode, size and content hash of every entry, for comparison. */
function tree(root: string, rel = ""): string[] {
  const abs = rel ? path.join(root, rel) : root;
  const st = fs.lstatSync(abs);
  const mode = (st.mode & 0o7777).toString(8);
  if (st.isSymbolicLink()) return [`l ${rel} -> ${fs.readlinkSync(abs)}`];
  if (st.isFile()) {
    const sum = crypto.createHash("sha256").update(fs.readFileSync(abs)).digest("hex");
    return [`f ${rel} ${mode} ${Math.floor(st.mtimeMs)} ${st.size} ${sum}`];
  }
  const below = fs.readdirSync(abs).sort();
  return [`d ${rel} ${mode}`, ...below.flatMap((n) => tree(root, rel ? `${rel}/${n}` : n))];
}

beforeAll(async () => {
  const key = await generateIdentity();
  identity = key.identity;
  const loc = await createLocation(kc, { namespace: locNs, recipients: [key.recipient] });
  store = loc.store;
  locName = loc.config.name;
  writeSource();
});

afterAll(async () => {
  await core.deleteNamespace({ name: locNs }).catch(() => undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("hks volume-data (CLI, real MinIO)", () => {
  const backup = `vd-${rand()}`;
  const pvc = "production/pg-data";

  it("refuses an unknown location naming --storage-location, and writes nothing", async () => {
    const r = await runHks(locNs, [
      "volume-data",
      "push",
      "--source",
      src,
      "--pvc",
      pvc,
      "--backup",
      backup,
      "--storage-location",
      "no-such-location",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--storage-location: storage location "no-such-location" not found/);
    for await (const e of store.list("")) throw new Error(`unexpected object ${e.key}`);
  });

  it("pushes a directory encrypted, pulls it back identical, and verifies every blob", async () => {
    const push = await runHks(locNs, [
      "volume-data",
      "push",
      "--source",
      src,
      "--pvc",
      pvc,
      "--backup",
      backup,
      "--storage-location",
      locName,
      "-o",
      "json",
    ]);
    expect(push.code, push.stderr).toBe(0);
    const summary = JSON.parse(push.stdout);
    expect(summary).toMatchObject({ files: 23, dirs: 4, symlinks: 1, packs: 1 });
    expect(summary.indexKey).toBe(
      STORE_LAYOUT.backupVolumeRecordKey(backup, "production", "pg-data", "indexEncrypted"),
    );
    expect(push.stderr).toMatch(/MiB \/ [\d.]+ MiB, [\d.]+ \w+\/s/);
    const packs: string[] = [];
    for await (const e of store.list(STORE_LAYOUT.volumePacksPrefix("production", "pg-data"))) packs.push(e.key);
    expect(packs).toHaveLength(summary.packs);
    expect(packs.every((k) => k.endsWith(".pack.age"))).toBe(true);

    const target = path.join(tmp, "dst");
    fs.mkdirSync(target);
    const pull = await runHks(
      locNs,
      ["volume-data", "pull", "--backup", backup, "--pvc", pvc, "--target", target, "--storage-location", locName],
      { HKS_AGE_IDENTITY: identity },
    );
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout).toMatch(/^Pulled production\/pg-data of backup .* 23 files, 4 dirs, 1 symlinks/);
    expect(tree(target)).toEqual(tree(src));

    const verify = await runHks(
      locNs,
      ["volume-data", "verify", "--backup", backup, "--pvc", pvc, "--storage-location", locName],
      { HKS_AGE_IDENTITY: identity },
    );
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/blobs and 1 packs .* match their checksums/);
  });

  it("a second backup of the unchanged directory uploads nothing new", async () => {
    const r = await runHks(locNs, [
      "volume-data",
      "push",
      "--source",
      src,
      "--pvc",
      pvc,
      "--backup",
      `${backup}-2`,
      "--storage-location",
      locName,
      "-o",
      "json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ newBlobs: 0, uploadedBytes: 0, packs: 0 });
  });

  it("pull without the identity of an encrypted location names --identity-file and writes nothing", async () => {
    const target = path.join(tmp, "dst-no-key");
    fs.mkdirSync(target);
    const r = await runHks(
      locNs,
      ["volume-data", "pull", "--backup", backup, "--pvc", pvc, "--target", target, "--storage-location", locName],
      { HKS_AGE_IDENTITY: "" },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--identity-file: storage location .* encrypts its data/);
    expect(fs.readdirSync(target)).toEqual([]);
  });
});
