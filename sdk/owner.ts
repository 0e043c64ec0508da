import * as pulumi from "@pulumi/pulumi";
import type { ResourceKind } from "../provider/kinds";

/**
 * The owner a resource records on every object it writes in the cluster: its URN, as the engine
 * names it (`urn:pulumi:<stack>::<project>::<parent types$>pulumi-nodejs:dynamic/hks:<Kind>::<name>`).
 * The dynamic provider's handlers are not told the URN, so the SDK passes it as the `owner` input.
 * The type token is spelled here rather than imported: sdk/ never loads provider/ code at runtime
 * (a unit test keeps it equal to provider/kinds.ts `typeToken`).
 * @internal
 */
export function ownerUrn(kind: ResourceKind, name: string, opts?: pulumi.CustomResourceOptions): pulumi.Output<string> {
  return pulumi.createUrn(name, `pulumi-nodejs:dynamic/hks:${kind}`, opts?.parent);
}
