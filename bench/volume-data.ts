/**
 * Volume data copy throughput (`npm run bench -- --volume-data [--volume-data-mib 1024]`): the
 * engine's push (what the mover Pod runs: walk, 4 MiB blobs, SHA-256, packs, age, upload) of a
 * volume of `mib` MiB in many 64 KiB files and of one file of `mib` MiB, each beside its floor in
 * the same run: the same bytes as one `tar | age` stream uploaded with the same S3 client (GNU tar
 * and the age-encryption library hks uses). Then the incremental case: 1% of the files (or 1% of
 * the big file, in 1 MiB pieces) changed, pushed again as the next backup: its time and the bytes
 * it uploaded beside the bytes changed. Random, incompressible data; the stack's MinIO on loopback.
 */
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import type { StackInfo } from "../cli/dev/stack";
import { encryptStream, generateIdentity } from "../provider/engine/archive/encrypt";
import { pushVolume } from "../provider/engine/volume-data/push";
import { createS3Client, ensureBucket, storeFromConfig, type ObjectStore } from "../provider/store";

/** One measured case. */
export interface VolumeDataRow {
  readonly case: string;
  /** Bytes of file content in the volume. */
  readonly bytes: number;
  readonly seconds: number;
  /** The floor's time (`tar | age | upload`), when the case has one. */
  readonly floorSeconds?: number;
  /** Bytes the push uploaded, and (incremental) the bytes changed. */
  readonly uploadedBytes: number;
  readonly changedBytes?: number;
}

const MiB = 1024 * 1024;

/** Writes `bytes` of random data into `file`, 4 MiB at a time. */
function writeRandom(file: string, bytes: number): void {
  const fd = fs.openSync(file, "w");
  for (let done = 0; done < bytes;) {
    const n = Math.min(4 * MiB, bytes - done);
    fs.writeSync(fd, crypto.randomBytes(n));
    done += n;
  }
  fs.closeSync(fd);
}

/** `tar -c dir | age -r recipient | PUT key`, timed: the floor of a copy of these bytes. */
async function floor(store: ObjectStore, dir: string, recipient: string, key: string): Promise<number> {
  const t0 = performance.now();
  const tar = spawn("tar", ["-cf", "-", "-C", dir, "."], { stdio: ["ignore", "pipe", "inherit"] });
  const enc = encryptStream([recipient]);
  pipeline(tar.stdout, enc).catch(() => undefined);
  await store.putStream(key, enc, { contentType: "application/age" });
  return (performance.now() - t0) / 1000;
}

async function push(store: ObjectStore, dir: string, recipient: string, pvc: string, backup: string) {
  const t0 = performance.now();
  const s = await pushVolume({ namespace: "bench", pvc, backup, store, source: dir, recipients: [recipient] });
  return { seconds: (performance.now() - t0) / 1000, uploadedBytes: s.uploadedBytes, bytes: s.bytes };
}

/** Runs every case against a fresh bucket of the stack's MinIO; removes its data folder after. */
export async function benchVolumeData(
  info: StackInfo,
  opts: { mib: number; log: (line: string) => void },
): Promise<VolumeDataRow[]> {
  const { log } = opts;
  const bytes = opts.mib * MiB;
  const bucket = `hks-bench-vd-${Date.now().toString(36)}`;
  const creds = { accessKeyId: info.s3AccessKeyId, secretAccessKey: info.s3SecretAccessKey };
  const client = createS3Client({
    region: info.s3Region,
    endpoint: info.s3Endpoint,
    forcePathStyle: true,
    credentials: creds,
  });
  await ensureBucket(client, { bucket, region: info.s3Region });
  const store = storeFromConfig({
    kind: "s3",
    bucket,
    prefix: "",
    region: info.s3Region,
    endpoint: info.s3Endpoint,
    forcePathStyle: true,
    credentials: creds,
  });
  const { recipient } = await generateIdentity();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "hks-bench-vd-"));
  const rows: VolumeDataRow[] = [];
  try {
    const small = path.join(work, "small");
    const files = Math.round(bytes / (64 * 1024));
    log(`volume data: writing ${files.toLocaleString("en-US")} files of 64 KiB (${opts.mib} MiB)`);
    for (let i = 0; i < files; i++) {
      const dir = path.join(small, String(i % 64));
      if (i < 64) fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `f${i}`), crypto.randomBytes(64 * 1024));
    }
    const big = path.join(work, "big");
    fs.mkdirSync(big);
    log(`volume data: writing one file of ${opts.mib} MiB`);
    writeRandom(path.join(big, "data.img"), bytes);

    for (const [name, dir] of [
      ["small-files", small],
      ["one-file", big],
    ] as const) {
      log(`volume data: ${name}: floor (tar | age | upload), then the push`);
      const floorSeconds = await floor(store, dir, recipient, `floor/${name}.tar.age`);
      const first = await push(store, dir, recipient, name, "b1");
      rows.push({
        case: `${name}`,
        bytes: first.bytes,
        seconds: first.seconds,
        floorSeconds,
        uploadedBytes: first.uploadedBytes,
      });
      log(`volume data: ${name}: ${first.seconds.toFixed(1)} s, floor ${floorSeconds.toFixed(1)} s`);
    }

    // 1% changed: every 100th small file rewritten; 1% of the big file in 1 MiB pieces spread over it.
    let changedSmall = 0;
    for (let i = 0; i < files; i += 100) {
      fs.writeFileSync(path.join(small, String(i % 64), `f${i}`), crypto.randomBytes(64 * 1024));
      changedSmall += 64 * 1024;
    }
    const pieces = Math.max(1, Math.round(bytes / 100 / MiB));
    const fd = fs.openSync(path.join(big, "data.img"), "r+");
    for (let p = 0; p < pieces; p++)
      fs.writeSync(fd, crypto.randomBytes(MiB), 0, MiB, Math.floor((p * bytes) / pieces));
    fs.closeSync(fd);
    for (const [name, dir, changed] of [
      ["small-files", small, changedSmall],
      ["one-file", big, pieces * MiB],
    ] as const) {
      log(`volume data: ${name}: incremental push after 1% changed`);
      const next = await push(store, dir, recipient, name, "b2");
      rows.push({
        case: `${name} +1%`,
        bytes: next.bytes,
        seconds: next.seconds,
        uploadedBytes: next.uploadedBytes,
        changedBytes: changed,
      });
    }
    return rows;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The rows as a table for people. */
export function volumeDataTable(rows: readonly VolumeDataRow[]): string {
  const mb = (b: number, s: number) => (b / 1e6 / s).toFixed(0);
  const head = [
    "case",
    "MiB",
    "ours s",
    "ours MB/s",
    "floor s",
    "floor MB/s",
    "ours/floor",
    "uploaded MiB",
    "changed MiB",
  ];
  const body = rows.map((r) => [
    r.case,
    (r.bytes / MiB).toFixed(0),
    r.seconds.toFixed(1),
    mb(r.bytes, r.seconds),
    r.floorSeconds?.toFixed(1) ?? "-",
    r.floorSeconds ? mb(r.bytes, r.floorSeconds) : "-",
    r.floorSeconds ? `${(r.seconds / r.floorSeconds).toFixed(2)}x` : "-",
    (r.uploadedBytes / MiB).toFixed(1),
    r.changedBytes !== undefined ? (r.changedBytes / MiB).toFixed(1) : "-",
  ]);
  const all = [head, ...body];
  const w = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((cells) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join("  ")).join("\n");
}
