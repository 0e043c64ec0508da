/**
 * The storage layer: the layout (where objects live), the port (`ObjectStore`) and its
 * implementations, and bucket provisioning. `storeFromConfig` is the one way callers get a store.
 */
import { InputError } from "../errors";
import { FsObjectStore } from "./fs-store";
import type { ObjectStore } from "./object-store";
import type { S3StoreConfig } from "./s3-config";
import { createS3Store } from "./s3-store";

export * from "./layout";
export * from "./object-store";
export { assertValidKey, keyProblem, TEMP_FILE_PREFIX } from "./object-key";
export { FsObjectStore, type FsStoreOptions } from "./fs-store";
export { MemoryObjectStore } from "./memory-store";
export * from "./s3-config";
export { createS3Client } from "./s3-client";
export { S3ObjectStore, createS3Store } from "./s3-store";
export * from "./s3-bucket";

/** A filesystem location: a folder or NFS mount point that already exists. */
export interface FilesystemStoreConfig {
  /** Discriminator. */
  readonly kind: "filesystem";
  /** Absolute path of the store root; it must exist (an unmounted volume is an error, not a local write). */
  readonly path: string;
}

/** Where a store points: an S3 bucket (and prefix) or a filesystem folder. */
export type StoreConfig = ({ readonly kind: "s3" } & S3StoreConfig) | FilesystemStoreConfig;

/**
 * Returns the object store for a location configuration. No I/O happens here: a wrong bucket or an
 * unmounted folder shows up on the first call (or with `probeAccess`).
 * @param config the location, discriminated by `kind`.
 */
export function storeFromConfig(config: StoreConfig): ObjectStore {
  switch (config.kind) {
    case "s3":
      return createS3Store(config);
    case "filesystem":
      if (!config.path)
        throw new InputError("path", "is empty; give the absolute path of the backup folder, e.g. /mnt/backups");
      return new FsObjectStore({ root: config.path });
    default:
      throw new InputError(
        "kind",
        `"${(config as { kind?: unknown }).kind}" is not a storage kind; use "s3" or "filesystem"`,
      );
  }
}
