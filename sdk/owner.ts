/**
 * The `owner` input every resource sends: its own URN, built the way the engine builds it (stack,
 * project, the parent's type chain, the type token, the name). The provider addresses the resource's
 * messages to it (provider/engine-log.ts: lines under the resource, progress on its row), and records
 * it as the owner of what the resource writes in a cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceKind } from "../provider/kinds";

/** `props` with `owner` set to the URN the resource `name` of `kind` gets under `opts.parent`. */
export function withOwner<P extends object>(
  kind: ResourceKind,
  name: string,
  opts: pulumi.CustomResourceOptions | undefined,
  props: P,
): P & { owner: pulumi.Output<string> } {
  // The token of provider/kinds.ts#typeToken, spelt out: sdk/ must not load provider code at run time.
  return { ...props, owner: pulumi.createUrn(name, `pulumi-nodejs:dynamic/hks:${kind}`, opts?.parent) };
}
