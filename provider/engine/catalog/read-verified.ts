/**
 * Everything a restore checks before it may touch a cluster: the manifest (present, parseable, a
 * format this code reads, about this backup), the identity (one of the backup's recipients), and the
 * archive's bytes (SHA-256 and size as the manifest recorded them). The archive is streamed to a
 * temporary file while it is hashed, so memory stays flat and later passes read a local copy that
 * is known to be exactly what the backup wrote.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { identityToRecipient } from "age-encryption";
import { IntegrityError, StorageError } from "../../errors";
import { STORE_LAYOUT, type ObjectStore } from "../../store";
import { readArchive, type ArchiveEntry } from "../archive/archive";
import { decryptStream } from "../archive/encrypt";
import { recipientFingerprint } from "../../format/age-keys";
import { MANIFEST_FORMAT_VERSION, type BackupFailure, type BackupManifest } from "../../format/manifest";
import { NO_PROGRESS, type ProgressSink } from "../progress";

/** A backup that cannot be restored: absent, incomplete or failed. The message says which and why. */
export class BackupNotRestorableError extends StorageError {}

function parseJson(text: Buffer, what: string): unknown {
  try {
    return JSON.parse(text.toString("utf8"));
  } catch (e) {
    throw new IntegrityError(
      `${what} is not valid JSON (${(e as Error).message}); the object is damaged: use another copy of the backup`,
    );
  }
}

/** Explains why a backup without a manifest cannot be restored (failed, incomplete or absent). */
async function missingManifest(store: ObjectStore, name: string): Promise<never> {
  const failure = await store.tryGet(STORE_LAYOUT.backupFailureKey(name));
  if (failure) {
    const f = parseJson(failure, `failure.json of backup ${name}`) as Partial<BackupFailure>;
    const reasons = (f.errors ?? []).slice(0, 10).map((e) => `${e.item}: ${e.reason}`);
    throw new BackupNotRestorableError(
      `backup "${name}" in ${store.describe()} failed${f.failedAt ? ` at ${f.failedAt}` : ""} and cannot be ` +
        `restored${reasons.length ? `:\n  ${reasons.join("\n  ")}` : ""}\nRestore an earlier backup of the plan ` +
        `(hks backup list).`,
    );
  }
  for await (const _ of store.list(STORE_LAYOUT.backupPrefix(name))) {
    throw new BackupNotRestorableError(
      `backup "${name}" in ${store.describe()} is incomplete (no manifest.json: still running, or its run ` +
        `died); wait for it to finish or restore another backup`,
    );
  }
  throw new BackupNotRestorableError(
    `backup "${name}" does not exist in ${store.describe()}; check the name (hks backup list) and the storage location`,
  );
}

/**
 * Reads and checks `manifest.json` of backup `name`: present (else a BackupNotRestorableError with
 * the failure.json reasons when there are any), valid JSON, a format version this code reads, about
 * this backup, and naming its archive at the key the layout expects.
 */
export async function readBackupManifest(store: ObjectStore, name: string): Promise<BackupManifest> {
  const body = await store.tryGet(STORE_LAYOUT.backupManifestKey(name));
  if (!body) return missingManifest(store, name);
  const m = parseJson(body, `manifest.json of backup ${name}`) as Partial<BackupManifest>;
  if (typeof m.formatVersion !== "number")
    throw new IntegrityError(`manifest.json of backup ${name} has no formatVersion; it was not written by hks-backup`);
  if (m.formatVersion > MANIFEST_FORMAT_VERSION) {
    throw new IntegrityError(
      `backup ${name} has manifest format ${m.formatVersion}; this hks-backup reads format ` +
        `${MANIFEST_FORMAT_VERSION}: upgrade hks-backup to restore it`,
    );
  }
  if (m.name !== name)
    throw new IntegrityError(
      `manifest.json in folder ${name} names backup ${JSON.stringify(m.name)}; the manifest was moved or modified`,
    );
  const res = m.artifacts?.resources;
  if (!res || typeof res.sha256 !== "string" || typeof res.bytes !== "number") {
    throw new IntegrityError(`manifest.json of backup ${name} lacks artifacts.resources (key, bytes, sha256)`);
  }
  const expected = STORE_LAYOUT.backupResourcesKey(name, { encrypted: res.encrypted });
  if (res.key !== expected)
    throw new IntegrityError(
      `manifest.json of backup ${name} names archive ${JSON.stringify(res.key)}, expected ${expected}`,
    );
  return m as BackupManifest;
}

/**
 * Refuses identities that cannot open the backup, before anything is downloaded: none given for an
 * encrypted backup (InputError-like IntegrityError naming the `identity` input), or none whose public
 * key has one of the manifest's recipient fingerprints.
 */
export async function checkIdentities(manifest: BackupManifest, identities: readonly string[]): Promise<void> {
  if (!manifest.artifacts.resources.encrypted) return;
  if (identities.length === 0) {
    throw new IntegrityError(
      `backup ${manifest.name} is encrypted (age): give the identity (AGE-SECRET-KEY-1...) of one of its ` +
        `recipients with the identity input, --identity-file or HKS_AGE_IDENTITY`,
    );
  }
  const want = manifest.encryption?.recipientFingerprints ?? [];
  if (want.length === 0) return; // nothing to compare with: decryption will tell
  const have = await Promise.all(identities.map(async (id) => recipientFingerprint(await identityToRecipient(id))));
  if (!have.some((f) => want.includes(f))) {
    throw new IntegrityError(
      `none of the given identities can decrypt backup ${manifest.name}: it was encrypted to recipients with ` +
        `fingerprints ${want.join(", ")}, the identities have ${have.join(", ")}. Use the identity file of the ` +
        `location's recipients (compare with \`age-keygen -y <identity file>\`)`,
    );
  }
}

/** Hashes and counts what passes through. */
class HashingCounter extends Transform {
  readonly hash = crypto.createHash("sha256");
  bytes = 0;
  constructor(private readonly onBytes: (n: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes(this.bytes);
    cb(null, chunk);
  }
}

/**
 * Downloads the backup's resource archive into `dir` while hashing it, and checks size and SHA-256
 * against the manifest. Returns the local file's path. A mismatch (a flipped byte, a truncated
 * upload) throws an IntegrityError, and nothing has been applied yet.
 */
export async function fetchVerifiedArchive(
  store: ObjectStore,
  manifest: BackupManifest,
  dir: string,
  opts: {
    progress?: ProgressSink;
    signal?: AbortSignal;
    /** What the caller did not do, and what to do instead. @default the restore's */ advice?: string;
  } = {},
): Promise<string> {
  const rec = manifest.artifacts.resources;
  const file = path.join(dir, path.basename(rec.key));
  const progress = opts.progress ?? NO_PROGRESS;
  const counter = new HashingCounter((n) => progress({ step: "verify", done: n, total: rec.bytes, bytes: n }));
  const source: Readable = await store.getStream(rec.key, { signal: opts.signal });
  await pipeline(
    source,
    counter,
    fs.createWriteStream(file, { mode: 0o600 }),
    ...(opts.signal ? [{ signal: opts.signal }] : []),
  );
  const sha = counter.hash.digest("hex");
  if (counter.bytes !== rec.bytes || sha !== rec.sha256) {
    throw new IntegrityError(
      `archive ${rec.key} of backup ${manifest.name} does not match its manifest: ${counter.bytes} bytes with ` +
        `SHA-256 ${sha}, expected ${rec.bytes} bytes with SHA-256 ${rec.sha256}. ` +
        `The stored archive is ${counter.bytes < rec.bytes ? "truncated" : "corrupt"}; ` +
        `${opts.advice ?? "nothing was restored. Restore another backup, or a replica of this one"}`,
    );
  }
  progress({ step: "verify", done: rec.bytes, total: rec.bytes, bytes: rec.bytes, message: "SHA-256 verified" });
  return file;
}

/**
 * Reads the verified local archive entry by entry, decrypting with `identities` when it is
 * encrypted. Entries are validated by readArchive (no absolute paths, `..`, links or devices);
 * a wrong identity or damaged data throws an IntegrityError.
 */
export function readVerifiedArchive(
  file: string,
  encrypted: boolean,
  identities: readonly string[],
): AsyncGenerator<ArchiveEntry> {
  const raw = fs.createReadStream(file);
  if (!encrypted) return readArchive(raw);
  const plain = decryptStream(identities);
  // pipeline forwards a read error of the file into `plain`, which readArchive then reports.
  pipeline(raw, plain).catch(() => undefined);
  return readArchive(plain);
}
