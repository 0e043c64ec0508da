/**
 * `hks backup verify <name>`: checks a stored backup end to end without touching a cluster
 * (provider/engine/backup-verify.ts). Exit 0 when it verified, 1 with the mismatch otherwise.
 */
import type { Command } from "commander";
import { InputError } from "../../provider/errors";
import { verifyBackup, type VerifyResult } from "../../provider/engine/backup-verify";
import { formatBytes } from "../../provider/engine/progress";
import { resolveLocationConfig, listLocationConfigs } from "../../provider/kube/location-config";
import { openLocationStore } from "../../provider/location/store";
import { createLayout } from "../../provider/store";
import { cliProgress, globalOptions, kubeConfigFor } from "../context";
import { readIdentities } from "../restore/options";

/** Flags of `hks backup verify`. */
export interface VerifyFlags {
  storageLocation?: string;
  identityFile?: string;
  output?: string;
}

/** The human summary of a verification. */
export function verifiedText(r: VerifyResult, location: string): string {
  const archive = `archive ${formatBytes(r.archiveBytes)}, SHA-256 ${r.sha256} matches the manifest`;
  const volumes = r.volumesChecked ? "; volumes.json matches too" : "";
  if (!r.contentsChecked) {
    return `Backup "${r.name}" (location ${location}): ${archive}${volumes}.\n` +
      `  contents not read: the backup is encrypted; give --identity-file (or HKS_AGE_IDENTITY) to read back every object\n`;
  }
  const types = Object.keys(r.byResource).length;
  return `Backup "${r.name}" verified (location ${location}): ${r.objects.toLocaleString("en-US")} objects in ${types} type${types === 1 ? "" : "s"} ` +
    `(${formatBytes(r.uncompressedBytes)} of YAML), each read back and named as its path says, counts as in the manifest; ${archive}${volumes}.\n`;
}

/** `hks backup verify <name>`. */
export async function verifyAction(name: string, flags: VerifyFlags, cmd: Command): Promise<void> {
  const output = flags.output ?? "text";
  if (output !== "text" && output !== "json") throw new InputError("-o", `"${output}" is not an output format: use text or json`);
  const g = globalOptions(cmd);
  const kc = kubeConfigFor(g);
  const { identities } = readIdentities(flags.identityFile);
  // The location holding the backup: the one named, else the only one whose store has its folder.
  const candidates = flags.storageLocation ? [await resolveLocationConfig(kc, g.namespace, flags.storageLocation, "--storage-location")] : await listLocationConfigs(kc, g.namespace);
  const holding = [];
  for (const location of candidates) {
    const store = await openLocationStore(kc, location);
    for await (const _ of store.list(createLayout().backupPrefix(name))) {
      holding.push({ location, store });
      break;
    }
  }
  if (holding.length === 0) throw new InputError("<name>", `backup "${name}" not found${flags.storageLocation ? ` in location ${flags.storageLocation}` : ` in any location of namespace ${g.namespace}`}: see 'hks backup list'`);
  if (holding.length > 1) throw new InputError("--storage-location", `backup "${name}" exists in several locations (${holding.map((h) => h.location.name).join(", ")}): name one`);
  const { location, store } = holding[0]!;
  const r = await verifyBackup(store, name, { identities, progress: cliProgress() });
  if (output === "json") {
    const { manifest: _m, ...rest } = r;
    process.stdout.write(JSON.stringify({ ...rest, storageLocation: location.name, verified: true }, null, 2) + "\n");
  } else {
    process.stdout.write(verifiedText(r, location.name));
  }
}
