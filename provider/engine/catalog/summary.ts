/** One line of a backup listing: what the catalog, its record cache and every listing share. */
import type { BackupPhase } from "../../format/manifest";

/** A backup's phase as the catalog sees it. */
export type CatalogPhase = BackupPhase | "Incomplete";

/** One line of a listing. */
export interface BackupSummary {
  readonly name: string;
  readonly phase: CatalogPhase;
  readonly storageLocation?: string;
  readonly plan?: string;
  readonly labels: Record<string, string>;
  readonly startedAt?: string;
  /** completedAt of the manifest, or failedAt of a failure record. */
  readonly completedAt?: string;
  /** Objects in the archive (manifest only). */
  readonly items?: number;
  /** Stored bytes of every object in the backup's folder. */
  readonly bytes: number;
  readonly errors: number;
  readonly warnings: number;
  /** Why the records could not be read, when they could not. */
  readonly problem?: string;
}
