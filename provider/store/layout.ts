/**
 * The object-store layout: the one place that knows where every object lives (velero
 * `object_store_layout.go`). Pure functions only; the layout is the durable contract of design.md
 * ("Storage layout"), so a change here is a format change and needs a new `LAYOUT_VERSION`.
 *
 * ```
 * <prefix>/hks/v1/backups/<backup-name>/resources.tar.gz[.age]
 * <prefix>/hks/v1/backups/<backup-name>/volumes.json
 * <prefix>/hks/v1/backups/<backup-name>/manifest.json     written LAST: its presence means complete
 * <prefix>/hks/v1/backups/<backup-name>/failure.json      instead of the manifest, when the backup failed
 * <prefix>/hks/v1/backups/<backup-name>/drills/<drill>/<run-id>.json   a restore drill's result
 * <prefix>/hks/v1/backups/<backup-name>/volumes/<namespace>/<pvc>.index.json[.age]   a volume's file tree
 * <prefix>/hks/v1/backups/<backup-name>/volumes/<namespace>/<pvc>.blobs.json   its blobs' places, no names
 * <prefix>/hks/v1/volume-data/<namespace>/<pvc>/packs/<pack-id>.pack[.age]       deduplicated volume data
 * <prefix>/hks/v1/volume-data/<namespace>/<pvc>/leases/{gc,push-<id>}.json  who is writing or collecting it
 * <prefix>/hks/v1/locks/<plan>.json
 * ```
 *
 * Volume data (issue #16) was added within v1: every reader of v1 looks only at the keys it knows
 * (`parseBackupKey` takes exactly `backups/<name>/<file>`), so an older reader lists a backup with a
 * `volumes/` folder as before and ignores `volume-data/`. Packs live outside the backup folders
 * because backups of one PVC share them (deduplication); the per-backup blob list says which packs a
 * backup needs, so deleting a backup can collect the packs no remaining backup needs.
 */
import { InputError } from "../errors";

/** The layout version segment; readers refuse keys of any other version. */
export const LAYOUT_VERSION = "v1";

/** The folder every hks object lives under, below the location prefix. */
export const LAYOUT_ROOT = "hks";

/** File names inside one backup folder, by role. */
export const BACKUP_FILES = {
  /** The resource archive (tar + gzip), unencrypted. */
  resources: "resources.tar.gz",
  /** The resource archive encrypted with age; replaces `resources` when the location has recipients. */
  resourcesEncrypted: "resources.tar.gz.age",
  /** Snapshot references, if the backup took any. */
  volumes: "volumes.json",
  /** The commit marker: written last, so its presence means the backup is complete. */
  manifest: "manifest.json",
  /**
   * Written instead of the manifest when a backup fails, with the reasons: a failed backup is listed
   * and pruned (keepFailed) but never looks complete. A folder with neither file is incomplete
   * (in progress, or its runner died).
   */
  failure: "failure.json",
} as const;

/** One of the file names a backup folder may hold. */
export type BackupFile = (typeof BACKUP_FILES)[keyof typeof BACKUP_FILES];

const KNOWN_BACKUP_FILES: ReadonlySet<string> = new Set(Object.values(BACKUP_FILES));

/** File-name suffixes of a PVC's records inside a backup's `volumes/<namespace>/` folder. */
export const VOLUME_DATA_FILES = {
  /** The volume's file tree (names, owners, modes, each file's blobs), unencrypted. */
  index: ".index.json",
  /** The index encrypted with age; replaces `index` when the location has recipients. */
  indexEncrypted: ".index.json.age",
  /**
   * Which blobs the backup uses and where they are stored (no file names): always plaintext, so a later
   * push, which holds public keys only, learns what is already stored, and garbage collection what is used.
   */
  blobs: ".blobs.json",
} as const;

/** One of the roles of a PVC's record inside a backup folder. */
export type VolumeDataFile = keyof typeof VOLUME_DATA_FILES;

/** A pack id: 32 lowercase hex characters (128 random bits). */
const PACK_ID = /^[0-9a-f]{32}$/;

/** True when `id` has the shape of a pack id. */
export const isPackId = (id: string): boolean => PACK_ID.test(id);

/** Longest backup or plan name, as for a DNS-1123 subdomain (a Kubernetes object name). */
export const MAX_NAME_LENGTH = 253;

// DNS-1123 subdomain: dot-separated labels of lowercase alphanumerics and '-', each starting and
// ending alphanumeric. This already excludes '/', '..', '.', empty names and upper case.
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Why `name` is not a valid backup or plan name, or `undefined` when it is valid.
 * Valid: lowercase alphanumerics, '-' and '.', at most 253 characters, starting and ending with an
 * alphanumeric, no empty dot-separated part (so no '..'); no '/'.
 */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if (name.length > MAX_NAME_LENGTH) return `is ${name.length} characters long; the limit is ${MAX_NAME_LENGTH}`;
  if (name.includes("/")) return `"${name}" contains '/'; use lowercase letters, digits, '-' and '.'`;
  if (!DNS1123_SUBDOMAIN.test(name)) {
    return (
      `"${name}" is not a DNS-1123 name: use lowercase letters, digits, '-' and '.', start and end with a letter ` +
      `or digit, no '..'`
    );
  }
  return undefined;
}

/**
 * Throws an InputError naming `field` when `name` is not a valid backup or plan name.
 * @param name the name to check.
 * @param field the dotted input path reported in the message.
 * @default field "name"
 */
export function assertValidName(name: string, field = "name"): void {
  const problem = nameProblem(name);
  if (problem) throw new InputError(field, problem);
}

/**
 * Normalises a location prefix: trims surrounding slashes and collapses repeated ones, so
 * `"/a//b/"` becomes `"a/b"`. The empty prefix is allowed (objects live at the bucket root).
 * Throws an InputError for `.`/`..` segments, NUL or backslash, which would make keys ambiguous.
 * @param prefix the raw prefix as configured.
 * @param field the dotted input path reported in errors.
 * @default field "prefix"
 */
export function normalizePrefix(prefix: string, field = "prefix"): string {
  const parts = prefix.split("/").filter((p) => p.length > 0);
  for (const p of parts) {
    if (p === "." || p === "..")
      throw new InputError(field, `"${prefix}" contains a '${p}' segment; use a plain path such as "team-a/backups"`);
    if (p.includes("\0") || p.includes("\\"))
      throw new InputError(field, `"${prefix}" contains NUL or '\\'; use a plain path such as "team-a/backups"`);
  }
  return parts.join("/");
}

/** What `parseBackupKey` finds in a backup object key. */
export interface ParsedBackupKey {
  /** The backup's name (the folder below `backups/`). */
  readonly backupName: string;
  /** The file within the backup folder. */
  readonly file: BackupFile;
}

/** What `parseDrillKey` finds in a drill record's key. */
export interface ParsedDrillKey {
  readonly backupName: string;
  readonly drill: string;
  readonly runId: string;
}

/** What `parseVolumeRecordKey` finds in the key of a PVC's index or blob list. */
export interface ParsedVolumeRecordKey {
  readonly backupName: string;
  readonly namespace: string;
  readonly pvc: string;
  readonly file: VolumeDataFile;
}

/** What `parsePackKey` finds in a pack's key. */
export interface ParsedPackKey {
  readonly namespace: string;
  readonly pvc: string;
  readonly packId: string;
  /** True for `.pack.age` (one age stream), false for `.pack`. */
  readonly encrypted: boolean;
}

/** A drill run's id: its start time (UTC, to the second, so keys sort by time) and a random part. */
const RUN_ID = /^\d{8}t\d{6}z-[a-z0-9]{4,8}$/;

/** True when `id` has the shape {@link RUN_ID} gives run ids. */
export const isRunId = (id: string): boolean => RUN_ID.test(id);

/** Key builders and parsers for one location prefix; every function is pure. */
export interface StoreLayout {
  /** The normalised prefix (no leading or trailing '/'; may be empty). */
  readonly prefix: string;
  /** `<prefix>/hks/`: everything this layout owns. */
  readonly rootPrefix: string;
  /** `<prefix>/hks/v1/backups/`: list this to enumerate backups. */
  readonly backupsPrefix: string;
  /** `<prefix>/hks/v1/locks/`: run locks, one object per plan. */
  readonly locksPrefix: string;
  /** `<prefix>/hks/v1/backups/<name>/`; throws InputError for an invalid name. */
  backupPrefix(backupName: string): string;
  /** The resource archive's key; `.age` suffix when `encrypted`. Throws InputError for an invalid name. */
  backupResourcesKey(backupName: string, opts?: { readonly encrypted?: boolean }): string;
  /** The volume snapshot references' key. Throws InputError for an invalid name. */
  backupVolumesKey(backupName: string): string;
  /** The manifest's key: written last, its presence means the backup is complete. */
  backupManifestKey(backupName: string): string;
  /** The failure record's key: written instead of the manifest when a backup failed. */
  backupFailureKey(backupName: string): string;
  /** The run lock of a plan. Throws InputError for an invalid plan name. */
  lockKey(planName: string): string;
  /** Splits a backup object key into backup name and file; `undefined` for any other key. */
  parseBackupKey(key: string): ParsedBackupKey | undefined;
  /**
   * The result of one run of a restore drill, beside the backup it restored (deleted with it).
   * Throws InputError for an invalid backup or drill name or run id.
   */
  drillRecordKey(backupName: string, drill: string, runId: string): string;
  /** Splits a drill record's key; `undefined` for any other key. */
  parseDrillKey(key: string): ParsedDrillKey | undefined;
  /** `<prefix>/hks/v1/volume-data/`: every PVC's packs. */
  readonly volumeDataPrefix: string;
  /** `.../volume-data/<namespace>/<pvc>/packs/`: list this to see a PVC's packs. Throws InputError for bad names. */
  volumePacksPrefix(namespace: string, pvc: string): string;
  /** A pack's key; `.pack.age` when `encrypted`. Throws InputError for bad names or a malformed pack id. */
  volumePackKey(namespace: string, pvc: string, packId: string, opts?: { readonly encrypted?: boolean }): string;
  /** Splits a pack key; `undefined` for any other key. */
  parsePackKey(key: string): ParsedPackKey | undefined;
  /** `.../volume-data/<namespace>/<pvc>/leases/`: pushes and the collector of a PVC (engine/volume-data/lease.ts). */
  volumeLeasesPrefix(namespace: string, pvc: string): string;
  /** A lease's key: `gc` (one collector at a time) or `push-<id>` (one per push). Throws InputError for bad names. */
  volumeLeaseKey(namespace: string, pvc: string, lease: "gc" | `push-${string}`): string;
  /** `backups/<name>/volumes/<namespace>/<pvc><suffix>`, the suffix by `file`. Throws InputError for bad names. */
  backupVolumeRecordKey(backupName: string, namespace: string, pvc: string, file: VolumeDataFile): string;
  /** Splits the key of a PVC's index or blob list; `undefined` for any other key. */
  parseVolumeRecordKey(key: string): ParsedVolumeRecordKey | undefined;
  /**
   * True when `key` is one this layout writes (a backup file, a drill record, a lock, a volume's pack, index or
   * blob list). Use it on a listing of `rootPrefix` to reject a location whose `hks/` folder holds foreign objects
   * (velero `IsValid`).
   */
  isValidLayoutKey(key: string): boolean;
}

/**
 * Builds the layout for a location prefix (normalised once here).
 * @param prefix the location prefix; `""` puts `hks/` at the store root.
 * @default prefix ""
 */
export function createLayout(prefix = ""): StoreLayout {
  const p = normalizePrefix(prefix);
  const rootPrefix = `${p ? p + "/" : ""}${LAYOUT_ROOT}/`;
  const versionPrefix = `${rootPrefix}${LAYOUT_VERSION}/`;
  const backupsPrefix = `${versionPrefix}backups/`;
  const locksPrefix = `${versionPrefix}locks/`;

  const backupPrefix = (name: string): string => {
    assertValidName(name, "backupName");
    return `${backupsPrefix}${name}/`;
  };

  const parseBackupKey = (key: string): ParsedBackupKey | undefined => {
    if (!key.startsWith(backupsPrefix)) return undefined;
    const rest = key.slice(backupsPrefix.length).split("/");
    if (rest.length !== 2) return undefined;
    const [backupName, file] = rest as [string, string];
    if (nameProblem(backupName) !== undefined || !KNOWN_BACKUP_FILES.has(file)) return undefined;
    return { backupName, file: file as BackupFile };
  };

  const parseDrillKey = (key: string): ParsedDrillKey | undefined => {
    if (!key.startsWith(backupsPrefix) || !key.endsWith(".json")) return undefined;
    const rest = key.slice(backupsPrefix.length, -".json".length).split("/");
    if (rest.length !== 4 || rest[1] !== "drills") return undefined;
    const [backupName, , drill, runId] = rest as [string, string, string, string];
    if (nameProblem(backupName) !== undefined || nameProblem(drill) !== undefined || !isRunId(runId)) return undefined;
    return { backupName, drill, runId };
  };

  const volumeDataPrefix = `${versionPrefix}volume-data/`;
  const pvcNames = (namespace: string, pvc: string): void => {
    assertValidName(namespace, "namespace");
    assertValidName(pvc, "pvc");
  };
  const volumePacksPrefix = (namespace: string, pvc: string): string => {
    pvcNames(namespace, pvc);
    return `${volumeDataPrefix}${namespace}/${pvc}/packs/`;
  };

  const volumeLeasesPrefix = (namespace: string, pvc: string): string => {
    pvcNames(namespace, pvc);
    return `${volumeDataPrefix}${namespace}/${pvc}/leases/`;
  };
  const LEASE_FILE = /^(gc|push-[a-z0-9][a-z0-9-]{0,80})\.json$/;
  const isLeaseKey = (key: string): boolean => {
    if (!key.startsWith(volumeDataPrefix)) return false;
    const rest = key.slice(volumeDataPrefix.length).split("/");
    if (rest.length !== 4 || rest[2] !== "leases" || !LEASE_FILE.test(rest[3]!)) return false;
    return nameProblem(rest[0]!) === undefined && nameProblem(rest[1]!) === undefined;
  };

  const parsePackKey = (key: string): ParsedPackKey | undefined => {
    if (!key.startsWith(volumeDataPrefix)) return undefined;
    const rest = key.slice(volumeDataPrefix.length).split("/");
    if (rest.length !== 4 || rest[2] !== "packs") return undefined;
    const [namespace, pvc, , file] = rest as [string, string, string, string];
    const m = /^([0-9a-f]{32})\.pack(\.age)?$/.exec(file);
    if (!m || nameProblem(namespace) !== undefined || nameProblem(pvc) !== undefined) return undefined;
    return { namespace, pvc, packId: m[1]!, encrypted: m[2] !== undefined };
  };

  const parseVolumeRecordKey = (key: string): ParsedVolumeRecordKey | undefined => {
    if (!key.startsWith(backupsPrefix)) return undefined;
    const rest = key.slice(backupsPrefix.length).split("/");
    if (rest.length !== 4 || rest[1] !== "volumes") return undefined;
    const [backupName, , namespace, file] = rest as [string, string, string, string];
    for (const [role, suffix] of Object.entries(VOLUME_DATA_FILES) as [VolumeDataFile, string][]) {
      if (!file.endsWith(suffix)) continue;
      const pvc = file.slice(0, -suffix.length);
      if ([backupName, namespace, pvc].some((n) => nameProblem(n) !== undefined)) return undefined;
      return { backupName, namespace, pvc, file: role };
    }
    return undefined;
  };

  const isLockKey = (key: string): boolean => {
    if (!key.startsWith(locksPrefix) || !key.endsWith(".json")) return false;
    const plan = key.slice(locksPrefix.length, -".json".length);
    return nameProblem(plan) === undefined;
  };

  return Object.freeze({
    prefix: p,
    rootPrefix,
    backupsPrefix,
    locksPrefix,
    backupPrefix,
    backupResourcesKey: (name: string, opts?: { readonly encrypted?: boolean }) =>
      backupPrefix(name) + (opts?.encrypted ? BACKUP_FILES.resourcesEncrypted : BACKUP_FILES.resources),
    backupVolumesKey: (name: string) => backupPrefix(name) + BACKUP_FILES.volumes,
    backupManifestKey: (name: string) => backupPrefix(name) + BACKUP_FILES.manifest,
    backupFailureKey: (name: string) => backupPrefix(name) + BACKUP_FILES.failure,
    lockKey: (plan: string) => {
      assertValidName(plan, "planName");
      return `${locksPrefix}${plan}.json`;
    },
    parseBackupKey,
    drillRecordKey: (name: string, drill: string, runId: string) => {
      assertValidName(drill, "drill");
      if (!isRunId(runId))
        throw new InputError("runId", `"${runId}" is not a drill run id (e.g. 20261202t103000z-a1b2)`);
      return `${backupPrefix(name)}drills/${drill}/${runId}.json`;
    },
    parseDrillKey,
    volumeDataPrefix,
    volumePacksPrefix,
    volumePackKey: (namespace: string, pvc: string, packId: string, opts?: { readonly encrypted?: boolean }) => {
      const prefix = volumePacksPrefix(namespace, pvc);
      if (!isPackId(packId)) throw new InputError("packId", `"${packId}" is not a pack id (32 lowercase hex digits)`);
      return `${prefix}${packId}.pack${opts?.encrypted ? ".age" : ""}`;
    },
    parsePackKey,
    volumeLeasesPrefix,
    volumeLeaseKey: (namespace: string, pvc: string, lease: "gc" | `push-${string}`) => {
      const key = volumeLeasesPrefix(namespace, pvc) + `${lease}.json`;
      if (!isLeaseKey(key)) throw new InputError("lease", `"${lease}" is not a lease name (gc, or push-<id>)`);
      return key;
    },
    backupVolumeRecordKey: (backupName: string, namespace: string, pvc: string, file: VolumeDataFile) => {
      const prefix = backupPrefix(backupName);
      pvcNames(namespace, pvc);
      return `${prefix}volumes/${namespace}/${pvc}${VOLUME_DATA_FILES[file]}`;
    },
    parseVolumeRecordKey,
    isValidLayoutKey: (key: string) =>
      parseBackupKey(key) !== undefined ||
      parseDrillKey(key) !== undefined ||
      isLockKey(key) ||
      parsePackKey(key) !== undefined ||
      isLeaseKey(key) ||
      parseVolumeRecordKey(key) !== undefined,
  });
}

/**
 * The layout inside every store. A store is rooted at its location's prefix (S3 `prefix`, the NFS
 * folder), so keys are relative to it and one layout serves every location.
 */
export const STORE_LAYOUT: StoreLayout = createLayout();
