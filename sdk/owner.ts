/**
 * The `owner` input every resource sends: its own URN, built the way the engine builds it
 * (`urn:pulumi:<stack>::<project>::<parent types$>pulumi-nodejs:dynamic/hks:<Kind>::<name>`). The
 * dynamic provider's handlers are not told the URN, so the SDK passes it. The provider addresses the
 * resource's messages to it (provider/engine-log.ts: lines under the resource, progress on its row)
 * and records it as the owner of what the resource writes in a cluster (provider/format/owner.ts).
 * The type token is spelled here rather than imported: sdk/ never loads provider/ code at run time
 * (a unit test keeps it equal to provider/kinds.ts `typeToken`).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceKind } from "../provider/kinds";

/** The URN the resource `name` of `kind` gets under `opts.parent`. @internal */
export function ownerUrn(kind: ResourceKind, name: string, opts?: pulumi.CustomResourceOptions): pulumi.Output<string> {
  return pulumi.createUrn(name, `pulumi-nodejs:dynamic/hks:${kind}`, opts?.parent);
}

/** `props` with `owner` set to {@link ownerUrn}, for resources whose typed props do not list it. @internal */
export function withOwner<P extends object>(
  kind: ResourceKind,
  name: string,
  opts: pulumi.CustomResourceOptions | undefined,
  props: P,
): P & { owner: pulumi.Output<string> } {
  return { ...props, owner: ownerUrn(kind, name, opts) };
}
