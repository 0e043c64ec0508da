/**
 * `hks volume-data push | pull | verify` (command.ts): checks the flags, finds the storage location in
 * the cluster as the other commands do, and calls the engine (provider/engine/volume-data/).
 */
import * as fs from "node:fs";
import type { Command } from "commander";
import { InputError } from "../../provider/errors";
import { formatBytes, byteRateProgress } from "../../provider/engine/progress";
import { pushVolume, type PushSummary } from "../../provider/engine/volume-data/push";
import { pullVolume, type PullSummary } from "../../provider/engine/volume-data/pull";
import { verifyVolume } from "../../provider/engine/volume-data/verify";
import { resolveLocationConfig, type LocationConfig } from "../../provider/kube/location-config";
import { openLocationStore, storeConfigOf } from "../../provider/prepare/location-store";
import { storeFromConfig, type ObjectStore } from "../../provider/store";
import { outputFormat } from "../backup/catalog";
import { globalOptions, kubeConfigFor } from "../context";
import { readIdentities } from "../restore/options";
import { backupFlag, concurrencyFlag, directoryFlag, parsePvcFlag } from "./flags";

/** Flags of the `volume-data` commands, as commander parses them. */
export interface VolumeDataFlags {
  source?: string;
  target?: string;
  pvc?: string;
  backup?: string;
  storageLocation?: string;
  identityFile?: string;
  locationFile?: string;
  summaryFile?: string;
  concurrency?: string;
  output?: string;
}

const stderr = (line: string) => process.stderr.write(`  ${line}\n`);
const n = (x: number) => x.toLocaleString("en-US");

async function openLocation(
  cmd: Command,
  name: string | undefined,
): Promise<{ cfg: LocationConfig; store: ObjectStore }> {
  const g = globalOptions(cmd);
  const kc = kubeConfigFor(g);
  const cfg = await resolveLocationConfig(kc, g.namespace, name, "--storage-location");
  return { cfg, store: await openLocationStore(kc, cfg) };
}

/** The location of `--location-file` or of `--storage-location` (exactly one of them). */
async function openEither(cmd: Command, flags: VolumeDataFlags): Promise<{ cfg: LocationConfig; store: ObjectStore }> {
  if (flags.locationFile && flags.storageLocation)
    throw new InputError("--location-file", "give --storage-location or --location-file, not both");
  return flags.locationFile ? openLocationFile(flags.locationFile) : openLocation(cmd, flags.storageLocation);
}

/**
 * A location from its record's file (the mover Pod mounts the location's ConfigMap): no API access.
 * S3 keys come from the environment (the AWS SDK's default chain reads AWS_ACCESS_KEY_ID etc.).
 */
function openLocationFile(file: string): { cfg: LocationConfig; store: ObjectStore } {
  let cfg: LocationConfig;
  try {
    cfg = JSON.parse(fs.readFileSync(file, "utf8")) as LocationConfig;
  } catch (e) {
    throw new InputError("--location-file", `cannot read a location record from ${file}: ${(e as Error).message}`);
  }
  if (!cfg || typeof cfg.name !== "string" || !(cfg.objectStorage || cfg.nfs) || !Array.isArray(cfg.recipients))
    throw new InputError("--location-file", `${file} is not a location record (location.json of hks-location-<name>)`);
  return { cfg, store: storeFromConfig(storeConfigOf(cfg, undefined)) };
}

/** The one-line summary of a push. */
export function pushedText(s: PushSummary, where: string): string {
  return (
    `Pushed ${where}: ${n(s.files)} files, ${n(s.dirs)} dirs, ${n(s.symlinks)} symlinks, ${formatBytes(s.bytes)} ` +
    `read; ${n(s.newBlobs)} of ${n(s.blobs)} blobs new, ${formatBytes(s.uploadedBytes)} uploaded in ${n(s.packs)} ` +
    `packs, ${formatBytes(s.reusedBytes)} already stored; ${s.seconds.toFixed(1)} s\n`
  );
}

/** The one-line summary of a pull. */
export function pulledText(s: PullSummary, where: string): string {
  return (
    `Pulled ${where}: ${n(s.files)} files, ${n(s.dirs)} dirs, ${n(s.symlinks)} symlinks, ${formatBytes(s.bytes)} ` +
    `from ${n(s.packs)} packs, every blob checked; ${s.seconds.toFixed(1)} s\n`
  );
}

/** `hks volume-data push`. */
export async function pushAction(flags: VolumeDataFlags, cmd: Command): Promise<void> {
  const output = outputFormat(flags.output, ["text", "json"]);
  const pvc = parsePvcFlag(flags.pvc);
  const backup = backupFlag(flags.backup);
  const source = directoryFlag("--source", flags.source);
  const concurrency = concurrencyFlag(flags.concurrency);
  const { cfg, store } = await openEither(cmd, flags);
  if (cfg.accessMode === "ReadOnly")
    throw new InputError("--storage-location", `storage location "${cfg.name}" is ReadOnly (restore only)`);
  const s = await pushVolume({
    ...pvc,
    backup,
    store,
    source,
    recipients: cfg.recipients,
    concurrency,
    onProgress: byteRateProgress(stderr),
    log: (line) => process.stderr.write(`hks: warning: ${line}\n`),
  });
  const where = `${pvc.namespace}/${pvc.pvc} of backup ${backup} to ${cfg.name}`;
  // Compact: a termination message holds 4 KiB.
  if (flags.summaryFile)
    fs.writeFileSync(flags.summaryFile, JSON.stringify({ ...s, warnings: s.warnings.slice(0, 5) }));
  process.stdout.write(output === "json" ? JSON.stringify(s, null, 2) + "\n" : pushedText(s, where));
}

/** `hks volume-data pull`. */
export async function pullAction(flags: VolumeDataFlags, cmd: Command): Promise<void> {
  const output = outputFormat(flags.output, ["text", "json"]);
  const pvc = parsePvcFlag(flags.pvc);
  const backup = backupFlag(flags.backup);
  const target = directoryFlag("--target", flags.target);
  const concurrency = concurrencyFlag(flags.concurrency);
  const { identities } = readIdentities(flags.identityFile);
  const { cfg, store } = await openEither(cmd, flags);
  if (cfg.recipients.length > 0 && identities.length === 0)
    throw new InputError(
      "--identity-file",
      `storage location "${cfg.name}" encrypts its data: give the age identity file (or set HKS_AGE_IDENTITY)`,
    );
  const s = await pullVolume({
    ...pvc,
    backup,
    store,
    target,
    identities,
    concurrency,
    onProgress: byteRateProgress(stderr),
    log: (line) => process.stderr.write(`hks: warning: ${line}\n`),
  });
  const where = `${pvc.namespace}/${pvc.pvc} of backup ${backup} from ${cfg.name} into ${target}`;
  if (flags.summaryFile)
    fs.writeFileSync(flags.summaryFile, JSON.stringify({ ...s, warnings: s.warnings.slice(0, 5) }));
  process.stdout.write(output === "json" ? JSON.stringify(s, null, 2) + "\n" : pulledText(s, where));
}

/** `hks volume-data verify`. */
export async function verifyAction(flags: VolumeDataFlags, cmd: Command): Promise<void> {
  const output = outputFormat(flags.output, ["text", "json"]);
  const pvc = parsePvcFlag(flags.pvc);
  const backup = backupFlag(flags.backup);
  const { identities } = readIdentities(flags.identityFile);
  const { cfg, store } = await openLocation(cmd, flags.storageLocation);
  const r = await verifyVolume({ ...pvc, backup, store, identities, onProgress: byteRateProgress(stderr) });
  const what = r.contentsChecked ? `${n(r.blobs)} blobs and ` : "";
  const note = r.contentsChecked ? "" : " (contents not read: give --identity-file to check every blob)";
  process.stdout.write(
    output === "json"
      ? JSON.stringify({ ...r, storageLocation: cfg.name, verified: true }, null, 2) + "\n"
      : `Verified ${pvc.namespace}/${pvc.pvc} of backup ${backup} in ${cfg.name}: ${what}${n(r.packs)} packs ` +
          `(${formatBytes(r.storedBytes)}) match their checksums${note}\n`,
  );
}
