/**
 * The ONLY place that builds the provider objects Pulumi serializes into state. Each method holds a
 * single `require` of this package's provider module by package name and forwards its arguments, so
 * the serialized text is a few hundred bytes, captures no SDK objects or configuration, and
 * `refresh`/`destroy` always run the installed provider code (see pulumi-notes §3-4).
 *
 * Nothing else may be referenced from inside these functions: Pulumi would serialize it by value.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ResourceKind } from "../provider/kinds";

/** The dynamic provider for one resource kind. `kind` is captured as a plain string. */
export function dynamicProvider(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  return {
    check: (olds, news) => require("hks-backup/provider").dispatch(kind, "check", [olds, news]),
    diff: (id, olds, news) => require("hks-backup/provider").dispatch(kind, "diff", [id, olds, news]),
    create: (inputs) => require("hks-backup/provider").dispatch(kind, "create", [inputs]),
    read: (id, props) => require("hks-backup/provider").dispatch(kind, "read", [id, props]),
    update: (id, olds, news) => require("hks-backup/provider").dispatch(kind, "update", [id, olds, news]),
    delete: (id, props) => require("hks-backup/provider").dispatch(kind, "delete", [id, props]),
  };
}
