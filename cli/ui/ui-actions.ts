/**
 * What the dashboard can do, through the same code as the CLI: `hks backup verify`'s check,
 * `hks run-plan`'s run (back up now), `hks restore create`'s restore-and-record and `hks backup
 * delete`'s checked delete. Each reports its output lines as they come and whether it succeeded.
 */
import type * as k8s from "@kubernetes/client-node";
import { verifyBackup } from "../../provider/engine/catalog/verify-backup";
import { formatRestoreResult } from "../../provider/engine/restore/report";
import { lineProgress } from "../../provider/engine/progress";
import { findBackup } from "../backup/catalog";
import { deleteBackupChecked, previewDeletion, type DeletionPreview } from "../backup/delete";
import { verifiedText } from "../backup/verify";
import { runPlanOnce } from "../plan/run-plan";
import { restoreAndRecord } from "../restore/actions";
import { restoreInputsFromFlags } from "../restore/options";

/** A restore asked for in the dashboard. */
export interface UiRestoreRequest {
  /** The restore's name (its record `hks-restore-<name>`). */
  readonly name: string;
  readonly backup: string;
  readonly location: string;
  /** `src:dst[,src:dst]`, as `--namespace-mapping` takes it. */
  readonly namespaceMapping: string;
}

/** The dashboard's actions; `line` receives output as it comes. */
export interface UiActions {
  verify(backup: string, location: string, line: (text: string) => void): Promise<{ ok: boolean }>;
  backupNow(plan: string, line: (text: string) => void): Promise<{ ok: boolean }>;
  restore(req: UiRestoreRequest, line: (text: string) => void): Promise<{ ok: boolean }>;
  /** What deleting the backup would remove, or why it is refused; changes nothing. */
  previewDelete(backup: string, location: string): Promise<DeletionPreview>;
  /** Deletes the backup after the same checks (refused: an error line, not ok). */
  deleteBackup(backup: string, location: string, line: (text: string) => void): Promise<{ ok: boolean }>;
}

/** The actions against the cluster of `kc`, for plans and locations recorded in `namespace`. */
export function kubeUiActions(kc: k8s.KubeConfig, namespace: string): UiActions {
  return {
    async verify(backup, location, line) {
      const { store } = await findBackup(kc, namespace, { storageLocation: location }, backup);
      const r = await verifyBackup(store, backup, { identities: [], progress: lineProgress(line, 1000) });
      for (const l of verifiedText(r, location).trimEnd().split("\n")) line(l);
      return { ok: true };
    },
    async backupNow(plan, line) {
      const code = await runPlanOnce({ plan, namespace, kc, out: line, err: line });
      line(`run-plan ${plan}: exit ${code}`);
      return { ok: code === 0 };
    },
    async restore(req, line) {
      const inputs = restoreInputsFromFlags(
        req.name,
        { fromBackup: req.backup, storageLocation: req.location, namespaceMapping: req.namespaceMapping },
        namespace,
      );
      const result = await restoreAndRecord(kc, inputs, {
        identities: [],
        progress: lineProgress(line, 1000),
        signal: new AbortController().signal,
        log: line,
      });
      for (const l of formatRestoreResult(result)) line(l);
      return { ok: result.phase === "Completed" };
    },
    async previewDelete(backup, location) {
      const { found: _found, ...preview } = await previewDeletion(kc, namespace, backup, { storageLocation: location });
      return preview;
    },
    async deleteBackup(backup, location, line) {
      await deleteBackupChecked(kc, namespace, backup, { storageLocation: location }, line);
      return { ok: true };
    },
  };
}
