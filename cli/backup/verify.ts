/**
 * `hks backup verify <name>`: checks a stored backup end to end without touching a cluster
 * (provider/engine/catalog/verify-backup.ts). Exit 0 when it verified, 1 with the mismatch otherwise.
 */
import type { Command } from "commander";
import { verifyBackup, type VerifyResult } from "../../provider/engine/catalog/verify-backup";
import { formatBytes } from "../../provider/engine/progress";
import { cliProgress, globalOptions, kubeConfigFor } from "../context";
import { readIdentities } from "../restore/options";
import { findBackup, outputFormat } from "./catalog";

/** Flags of `hks backup verify`. */
export interface VerifyFlags {
  storageLocation?: string;
  identityFile?: string;
  output?: string;
}

/** The human summary of a verification. */
export function verifiedText(r: VerifyResult, location: string): string {
  const archive = `archive ${formatBytes(r.archiveBytes)}, SHA-256 ${r.sha256} matches the manifest`;
  const volumes =
    (r.volumesChecked ? "; volumes.json matches too" : "") +
    (r.volumeData.length
      ? `; volume data of ${r.volumeData.length} PVC${r.volumeData.length === 1 ? "" : "s"}: ` +
        `${r.volumeData.reduce((n, v) => n + v.packs, 0)} packs, ` +
        `${formatBytes(r.volumeData.reduce((n, v) => n + v.storedBytes, 0))} checked` +
        (r.volumeData.every((v) => v.contentsChecked)
          ? `, ${r.volumeData.reduce((n, v) => n + v.blobs, 0)} blobs read back`
          : "")
      : "");
  if (!r.contentsChecked) {
    return (
      `Backup "${r.name}" (location ${location}): ${archive}${volumes}.\n` +
      `  contents not read: the backup is encrypted; give --identity-file (or HKS_AGE_IDENTITY) to read back ` +
      `every object\n`
    );
  }
  const types = Object.keys(r.byResource).length;
  return (
    `Backup "${r.name}" verified (location ${location}): ${r.objects.toLocaleString("en-US")} objects in ` +
    `${types} type${types === 1 ? "" : "s"} ` +
    `(${formatBytes(r.uncompressedBytes)} of YAML), each read back and named as its path says, counts as in ` +
    `the manifest; ${archive}${volumes}.\n`
  );
}

/** `hks backup verify <name>`. */
export async function verifyAction(name: string, flags: VerifyFlags, cmd: Command): Promise<void> {
  const output = outputFormat(flags.output, ["text", "json"]);
  const g = globalOptions(cmd);
  const kc = kubeConfigFor(g);
  const { identities } = readIdentities(flags.identityFile);
  const { location, store } = await findBackup(kc, g.namespace, flags, name);
  const r = await verifyBackup(store, name, { identities, progress: cliProgress() });
  if (output === "json") {
    const { manifest: _m, ...rest } = r;
    process.stdout.write(JSON.stringify({ ...rest, storageLocation: location.name, verified: true }, null, 2) + "\n");
  } else {
    process.stdout.write(verifiedText(r, location.name));
  }
}
