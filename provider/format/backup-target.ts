/**
 * What a backup target may say, checked the same way by validation (plan/target.ts) and the engine:
 * resource type patterns, and a target that names something. Pure.
 */
import { InputError } from "../errors";
import type { BackupTarget } from "./manifest";

// `resource` or `resource.group`: a DNS label, then optionally a DNS subdomain.
const RESOURCE_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Validates a list of resource type patterns: `*`, `<plural>` (any group) or `<plural>.<group>`
 * (`deployments.apps`, `configmaps`, `widgets.example.com`). Throws an InputError naming `field[i]`.
 */
export function parseResourcePatterns(values: readonly unknown[], field: string): string[] {
  return values.map((v, i) => {
    if (typeof v !== "string" || (v !== "*" && !RESOURCE_PATTERN.test(v))) {
      throw new InputError(
        `${field}[${i}]`,
        `${JSON.stringify(v)} is not a resource type: use the lowercase plural, optionally with its group, ` +
          `e.g. "configmaps", "deployments.apps", "widgets.example.com", or "*"`,
      );
    }
    return v;
  });
}

/**
 * Checks that a target says what to back up: namespaces, a selector, or both. A target with neither
 * would mean "the whole cluster", which must be asked for explicitly with `namespaces: ["*"]`.
 */
export function targetProblem(target: Pick<BackupTarget, "namespaces" | "selector">): string | undefined {
  if (target.namespaces.length === 0 && !target.selector) {
    return (
      `names nothing to back up: give namespaces (e.g. ["production"]; ["*"] for all) and/or a label selector ` +
      `(e.g. "app=mission-critical")`
    );
  }
  return undefined;
}
