/**
 * Finds the backup a restore reads when it names a plan instead of a backup (`plan` + `latest`): the
 * newest backup whose manifest says it is Completed and was taken by that plan. A PartiallyFailed
 * backup is never picked implicitly (name it explicitly to restore it).
 */
import { InputError } from "../../errors";
import { STORE_LAYOUT, type ObjectStore } from "../../store";
import type { BackupManifest } from "../../format/manifest";

/** Returns the name of the newest Completed backup of `plan` in `store`; InputError when none. */
export async function latestBackupOfPlan(store: ObjectStore, plan: string): Promise<string> {
  let best: { name: string; completedAt: string } | undefined;
  let seen = 0;
  for await (const entry of store.list(STORE_LAYOUT.backupsPrefix)) {
    const parsed = STORE_LAYOUT.parseBackupKey(entry.key);
    if (!parsed || parsed.file !== "manifest.json") continue;
    const body = await store.tryGet(entry.key);
    if (!body) continue;
    let m: Partial<BackupManifest>;
    try {
      m = JSON.parse(body.toString("utf8")) as Partial<BackupManifest>;
    } catch {
      continue; // a damaged manifest is not a candidate; restoring it by name reports the damage
    }
    if (m.plan !== plan) continue;
    seen++;
    if (m.phase !== "Completed" || typeof m.completedAt !== "string") continue;
    // ISO-8601 UTC timestamps order as strings; the name breaks ties so the choice is stable.
    if (
      !best ||
      m.completedAt > best.completedAt ||
      (m.completedAt === best.completedAt && parsed.backupName > best.name)
    ) {
      best = { name: parsed.backupName, completedAt: m.completedAt };
    }
  }
  if (!best) {
    throw new InputError(
      "plan",
      seen
        ? `plan "${plan}" has ${seen} backup(s) in ${store.describe()} but none Completed; name a backup ` +
            `explicitly with the backup input`
        : `plan "${plan}" has no backups in ${store.describe()}; check the plan name and the storage location`,
    );
  }
  return best.name;
}
