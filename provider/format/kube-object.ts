/**
 * The shapes of a Kubernetes object as plain JSON: one definition for the backup side (what LIST
 * returns) and the restore side (what an archive holds and a restore writes). Pure types.
 */

/** An object as the API server lists it: LIST items lack `apiVersion` and `kind` until the collector sets them. */
export interface ListedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

/** An object whose identity is known (apiVersion, kind, name): what an archive holds and a restore writes. */
export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace?: string; labels?: Record<string, string> };
};
