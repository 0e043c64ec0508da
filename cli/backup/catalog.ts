/**
 * `hks backup list | describe | delete`: the catalog (provider/engine/catalog/catalog.ts) over one storage
 * location (`--storage-location`) or every location recorded in the namespace; `list` filters with
 * provider/engine/catalog/search.ts.
 */
import type { Command } from "commander";
import type * as k8s from "@kubernetes/client-node";
import { InputError } from "../../provider/errors";
import {
  abortBackupUploads,
  deleteBackup,
  describeBackup,
  type BackupDescription,
} from "../../provider/engine/catalog/catalog";
import { filterBackups, parseBackupFilter } from "../../provider/engine/catalog/search";
import { readLocationBackups } from "../../provider/prepare/catalog-view";
import { deleteSnapshots } from "../../provider/engine/snapshot/snapshot";
import { kubeSnapshotApi } from "../../provider/kube/snapshot-api";
import { formatBytes } from "../../provider/engine/progress";
import { createKubeReader } from "../../provider/kube/discovery";
import { listLocationConfigs, resolveLocationConfig, type LocationConfig } from "../../provider/kube/location-config";
import { openLocationStore } from "../../provider/prepare/location-store";
import type { ObjectStore } from "../../provider/store";
import { globalOptions, kubeConfigFor, printTable } from "../context";
import { commandNow } from "../plan/clock";
import { describeText, summaryJson, summaryRows } from "./format";

/** Flags shared by the catalog commands. */
export interface CatalogFlags {
  storageLocation?: string;
  output?: string;
  keepSnapshots?: boolean;
}

/** The `-o` value, `allowed[0]` when not given; InputError naming `-o` for another. */
export function outputFormat(v: string | undefined, allowed: readonly string[]): string {
  const o = v ?? allowed[0]!;
  if (!allowed.includes(o)) throw new InputError("-o", `"${o}" is not an output format: use ${allowed.join(" or ")}`);
  return o;
}

/** The locations a command looks at: the named one, else every one in the namespace. */
export async function locationsFor(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string | undefined,
): Promise<LocationConfig[]> {
  if (name) return [await resolveLocationConfig(kc, namespace, name, "--storage-location")];
  const all = await listLocationConfigs(kc, namespace);
  if (all.length === 0)
    throw new InputError(
      "--storage-location",
      `no storage locations are recorded in namespace ${namespace}: create a BackupStorageLocation, or pass -n ` +
        `<namespace>`,
    );
  return all;
}

/** Finds a backup by name in the candidate locations; InputError when absent or ambiguous. */
export async function findBackup(
  kc: k8s.KubeConfig,
  namespace: string,
  flags: CatalogFlags,
  name: string,
): Promise<{ location: LocationConfig; store: ObjectStore; desc: BackupDescription }> {
  const found: { location: LocationConfig; store: ObjectStore; desc: BackupDescription }[] = [];
  for (const location of await locationsFor(kc, namespace, flags.storageLocation)) {
    const store = await openLocationStore(kc, location);
    const desc = await describeBackup(store, name, location.name);
    if (desc) found.push({ location, store, desc });
  }
  if (found.length === 0) {
    const where = flags.storageLocation
      ? `in location ${flags.storageLocation}`
      : `in any location of namespace ${namespace}`;
    throw new InputError("<name>", `backup "${name}" not found ${where}: see 'hks backup list'`);
  }
  if (found.length > 1)
    throw new InputError(
      "--storage-location",
      `backup "${name}" exists in several locations (${found.map((f) => f.location.name).join(", ")}): name one`,
    );
  return found[0]!;
}

/**
 * A backup whose upload was cut short (the location went down, the process was killed) has no
 * object yet, only an incomplete upload, so `findBackup` does not see it; with `--storage-location`,
 * delete removes that upload. True when there was one.
 */
async function deleteUploadsOnly(
  kc: k8s.KubeConfig,
  namespace: string,
  flags: CatalogFlags,
  name: string,
): Promise<boolean> {
  if (!flags.storageLocation) return false;
  const location = await resolveLocationConfig(kc, namespace, flags.storageLocation, "--storage-location");
  const n = await abortBackupUploads(await openLocationStore(kc, location), name);
  if (n)
    process.stdout.write(
      `Deleted backup "${name}" from ${location.name}: 0 objects, ${n} incomplete upload${n === 1 ? "" : "s"}\n`,
    );
  return n > 0;
}

/** Flags of `hks backup list`. */
export interface ListFlags extends CatalogFlags {
  selector?: string;
  plan?: string;
  phase?: string;
  since?: string;
  /** Hidden: the instant `--since` counts back from (testing). */
  now?: string;
}

/**
 * `hks backup list`: the backups of every location (or one), filtered, newest first. A location
 * that cannot be read is named on stderr and makes the exit code 1; the others are still listed.
 */
export async function listAction(flags: ListFlags, cmd: Command): Promise<void> {
  const o = outputFormat(flags.output, ["table", "json"]);
  const filter = parseBackupFilter(flags, commandNow(flags.now));
  const g = globalOptions(cmd);
  const kc = kubeConfigFor(g);
  const listings = await readLocationBackups(kc, await locationsFor(kc, g.namespace, flags.storageLocation));
  for (const l of listings.filter((x) => x.error)) {
    process.stderr.write(`hks: location ${l.name} could not be read: ${l.error}\n`);
    process.exitCode = 1;
  }
  const all = filterBackups(
    listings.flatMap((l) => l.backups),
    filter,
  );
  if (o === "json") {
    process.stdout.write(JSON.stringify(all.map(summaryJson), null, 2) + "\n");
    return;
  }
  if (all.length === 0) {
    process.stdout.write("No backups.\n");
    return;
  }
  const t = summaryRows(all);
  printTable(t.headers, t.rows);
}

/** `hks backup describe <name>`. */
export async function describeAction(name: string, flags: CatalogFlags, cmd: Command): Promise<void> {
  const o = outputFormat(flags.output, ["text", "json"]);
  const g = globalOptions(cmd);
  const { desc } = await findBackup(kubeConfigFor(g), g.namespace, flags, name);
  if (o === "json")
    process.stdout.write(
      JSON.stringify(
        { summary: desc.summary, manifest: desc.manifest, failure: desc.failure, objects: desc.objects },
        null,
        2,
      ) + "\n",
    );
  else process.stdout.write(describeText(desc));
}

/** `hks backup delete <name>`: the backup's objects and (unless --keep-snapshots) its VolumeSnapshots. */
export async function deleteAction(name: string, flags: CatalogFlags, cmd: Command): Promise<void> {
  const g = globalOptions(cmd);
  const kc = kubeConfigFor(g);
  let found: Awaited<ReturnType<typeof findBackup>>;
  try {
    found = await findBackup(kc, g.namespace, flags, name);
  } catch (err) {
    if (err instanceof InputError && (await deleteUploadsOnly(kc, g.namespace, flags, name))) return;
    throw err;
  }
  const { location, store, desc } = found;
  let snaps: string[] = [];
  if (!flags.keepSnapshots && desc.manifest?.volumeSnapshots.length) {
    const res = await deleteSnapshots(await kubeSnapshotApi(kc, createKubeReader(kc)), desc.manifest.volumeSnapshots);
    if (res.errors.length)
      throw new Error(
        `deleting the VolumeSnapshots of ${name} failed (nothing else was deleted): ${res.errors.join("; ")}`,
      );
    snaps = res.deleted;
  }
  const del = await deleteBackup(store, name);
  const n = del?.keys.length ?? 0;
  const plural = (k: number, what: string) => `${k} ${what}${k === 1 ? "" : "s"}`;
  const snapshots = snaps.length ? `, ${plural(snaps.length, "VolumeSnapshot")} (${snaps.join(", ")})` : "";
  const uploads = del?.abortedUploads ? `, ${plural(del.abortedUploads, "incomplete upload")}` : "";
  const size = formatBytes(del?.bytes ?? 0);
  process.stdout.write(
    `Deleted backup "${name}" from ${location.name}: ${plural(n, "object")} (${size})${snapshots}${uploads}\n`,
  );
  for (const k of del?.keys ?? []) process.stdout.write(`  ${k}\n`);
  const gc = del?.volumeData;
  if (gc?.deleted.length)
    process.stdout.write(
      `Removed ${plural(gc.deleted.length, "volume data pack")} (${formatBytes(gc.bytes)}) no remaining backup needs\n`,
    );
  for (const w of gc?.warnings ?? []) process.stderr.write(`hks: warning: ${w}\n`);
}
