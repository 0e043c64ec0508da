/**
 * Reads an installed plan's `plan.json` from its ConfigMap `hks-plan-<name>`: what `hks run-plan`
 * runs, and what a Backup given only a `plan` backs up. One reader, so both see the same plan.
 */
import * as k8s from "@kubernetes/client-node";
import { InputError } from "../errors";
import { parsePlanSpec, PLAN_SPEC_KEY, planObjectName, type PlanSpec } from "../format/plan-spec";
import { isNotFound, kubeError } from "./client";

/**
 * Reads and parses the plan's ConfigMap in `namespace`. A missing plan is an InputError on `field`
 * whose reason ends with `fix` (what the caller's user should do).
 * @param fix e.g. "check the name and --namespace".
 */
export async function readPlanSpec(
  kc: k8s.KubeConfig,
  namespace: string,
  plan: string,
  opts: { field?: string; fix?: string } = {},
): Promise<PlanSpec> {
  const field = opts.field ?? "plan";
  const name = planObjectName(plan);
  let cm: k8s.V1ConfigMap;
  try {
    cm = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ name, namespace });
  } catch (err) {
    if (isNotFound(err))
      throw new InputError(
        field,
        `plan "${plan}" is not installed in namespace ${namespace} (no ConfigMap ${name}): ` +
          `${opts.fix ?? "check the name and --namespace"}`,
      );
    throw kubeError(`reading ConfigMap ${namespace}/${name}`, err);
  }
  const text = cm.data?.[PLAN_SPEC_KEY];
  if (!text)
    throw new InputError(
      field,
      `ConfigMap ${namespace}/${name} has no ${PLAN_SPEC_KEY}: re-apply the plan with 'pulumi up'`,
    );
  return parsePlanSpec(text, `ConfigMap ${namespace}/${name}`);
}
