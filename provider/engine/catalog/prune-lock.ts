/**
 * Whether S3 object lock (WORM) still protects a backup, for retention (prune.ts). On a versioned
 * object-lock bucket a plain DELETE "succeeds" by adding a delete marker while the locked version
 * stays, so retention would report a prune that freed nothing and hide a backup that still exists;
 * asking first keeps such a backup listed and kept, with a warning, until its lock expires.
 *
 * One HEAD per backup (of its manifest, else its failure record, the objects written last and so
 * locked longest) answers it: S3 returns the retention date and legal hold of the current version.
 * Stores other than S3 have no object lock: no checker.
 */
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { STORE_LAYOUT, S3ObjectStore, type ObjectStore } from "../../store";

/**
 * A lock checker for `store`, or undefined when the store cannot be locked (filesystem, memory).
 * @param now the run's clock: a retention date in the past no longer protects.
 */
export function objectLockChecker(
  store: ObjectStore,
  now: () => Date,
): ((backupName: string) => Promise<boolean>) | undefined {
  if (!(store instanceof S3ObjectStore)) return undefined;
  const head = async (key: string) => {
    try {
      return await store.client.send(new HeadObjectCommand({ Bucket: store.bucket, Key: store.rootPrefix + key }));
    } catch {
      return undefined; // absent (or unreadable): nothing there to protect
    }
  };
  return async (name) => {
    const res = (await head(STORE_LAYOUT.backupManifestKey(name))) ?? (await head(STORE_LAYOUT.backupFailureKey(name)));
    if (!res) return false;
    const until = res.ObjectLockRetainUntilDate;
    return res.ObjectLockLegalHoldStatus === "ON" || (until !== undefined && until.getTime() > now().getTime());
  };
}
