/**
 * How the resource classes read arguments that take either a value or another resource: one test of
 * "is this a resource", one reading of a plan argument, shared by Backup, Restore and RestoreDrill.
 */
import * as pulumi from "@pulumi/pulumi";

/** A `BackupPlan` resource (or anything with its `planName` and `namespace` outputs). */
export interface BackupPlanLike {
  readonly planName: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
}

/** True for a Pulumi resource object (not a plain value or an Output). @internal */
export function isResourceLike(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && pulumi.Resource.isInstance(v);
}

/** A plan argument as a name and, for a BackupPlan resource, its namespace. @internal */
export function planOf(p: pulumi.Input<string> | BackupPlanLike | undefined): {
  name?: pulumi.Input<string>;
  namespace?: pulumi.Output<string>;
} {
  // A BackupPlan resource, or anything with its outputs (never an Output of a name).
  if (p && typeof p === "object" && (isResourceLike(p) || (!pulumi.Output.isInstance(p) && "planName" in p))) {
    const r = p as BackupPlanLike;
    return { name: r.planName, namespace: r.namespace };
  }
  return { name: p as pulumi.Input<string> | undefined };
}
