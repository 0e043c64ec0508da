/**
 * Resource kinds and their Pulumi type tokens. The tokens are permanent: state, policies and tests
 * match on them (`pulumi-nodejs:dynamic/hks:<Kind>`); renaming one needs an alias.
 */
export const RESOURCE_KINDS = ["BackupStorageLocation", "BackupPlan", "Backup", "Restore", "RestoreDrill"] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** The `module` part of every type token. */
export const TOKEN_MODULE = "hks";

/** The full type token of a kind, as the engine and CrossGuard see it. */
export function typeToken(kind: ResourceKind): string {
  return `pulumi-nodejs:dynamic/${TOKEN_MODULE}:${kind}`;
}

/** Value Pulumi sends for inputs that are not known yet (during preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when `v` is, or contains, a value unknown at preview time. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}
