/**
 * The restore engine's port to the target cluster. The engine sees only this port
 * (kube/restore-cluster.ts implements it with client-node), so its logic is independent of the client.
 */
import type { KubeObject } from "../format/kube-object";

/** What the port knows about an API resource type. */
export interface ApiResourceInfo {
  readonly group: string;
  readonly version: string;
  /** Plural resource name, e.g. `deployments`. */
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** A failed API call: the HTTP status (0 when there was no response) and the server's message. */
export class ClusterCallError extends Error {
  /** True when an earlier attempt of this request may have been applied: its answer was lost. */
  readonly afterLostAnswer: boolean;

  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
    options?: { cause?: unknown; afterLostAnswer?: boolean },
  ) {
    super(message, options);
    this.name = "ClusterCallError";
    this.afterLostAnswer = options?.afterLostAnswer ?? false;
  }
}

/** Identifies one object in the target cluster. */
export interface TargetRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** The restore engine's port to the target cluster. Every call may throw ClusterCallError. */
export interface RestoreCluster {
  /** The API server URL, for messages and the result. */
  describe(): string;
  /** The resource type serving apiVersion/kind; undefined when the target has no such API. */
  resourceFor(apiVersion: string, kind: string): Promise<ApiResourceInfo | undefined>;
  /** Forgets cached discovery, after CRDs were created. */
  refreshDiscovery(): void;
  /** The live object, or undefined when it does not exist. */
  get(ref: TargetRef): Promise<KubeObject | undefined>;
  /** Creates `obj` exactly as given (no client-side schema: unknown fields are kept). */
  create(obj: KubeObject): Promise<KubeObject>;
  /** Replaces the live object; `obj.metadata.resourceVersion` must be the live one. */
  replace(obj: KubeObject): Promise<KubeObject>;
  /** Deletes an object; `uid` adds a precondition so only that incarnation is deleted. */
  delete(ref: TargetRef, opts?: { uid?: string; propagation?: "Background" | "Foreground" }): Promise<void>;
}

/** The calls a volume data copy makes (engine/volume-data/mover.ts; kube/mover-cluster.ts implements it). */
export interface MoverCluster {
  create(obj: KubeObject): Promise<unknown>;
  /** The live object, or undefined when it does not exist. */
  get(ref: TargetRef): Promise<KubeObject | undefined>;
  /** Deletes; absent is success. */
  delete(ref: TargetRef): Promise<void>;
  /** The last `lines` lines of a Pod's log ("" when none yet). */
  logTail(namespace: string, pod: string, lines: number): Promise<string>;
}
