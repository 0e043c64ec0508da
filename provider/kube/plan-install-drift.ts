/**
 * Drift between what a plan installed (rendered from its last inputs) and what the cluster holds.
 * Pure: the handler's `read` fetches the live objects and calls these.
 *
 * Two kinds of drift, so that `pulumi refresh` shows it and the next `pulumi up` repairs it:
 * 1. CronJob fields a person edits (`schedule`, `timeZone`, `suspend`, `startingDeadlineSeconds`,
 *    the image) are reflected into the resource's inputs: the diff then names exactly those fields.
 * 2. Everything else (a deleted object, changed command/args, RBAC rules, plan.json) is listed in
 *    the `drift` output; a non-empty list makes diff report a change (plan.ts).
 */
import { canonical, valueAt } from "../format/json-path";
import type { BackupPlanInputs } from "../types";
import { describeObject, RUNNER_CONTAINER, type RenderedObject } from "./plan-install-render";

type Obj = Record<string, unknown>;

function runner(cj: unknown): Obj | undefined {
  const containers = valueAt(cj, "spec.jobTemplate.spec.template.spec.containers") as Obj[] | undefined;
  return containers?.find((c) => c.name === RUNNER_CONTAINER) ?? containers?.[0];
}

/** What {@link cronJobDrift} found. */
export interface CronJobDrift {
  /** Human-readable differences (also for reflected fields). */
  readonly messages: string[];
  /** Live values of the user-facing fields that differ, to write into the inputs. */
  readonly schedule: Partial<BackupPlanInputs["schedule"]>;
  readonly image?: string;
}

/** Compares the live CronJob with the rendered one (see the module comment for what is reflected). */
export function cronJobDrift(expected: RenderedObject, live: unknown): CronJobDrift {
  const name = describeObject({
    kind: "CronJob",
    namespace: expected.metadata.namespace,
    name: expected.metadata.name,
  });
  const messages: string[] = [];
  const schedule: Partial<BackupPlanInputs["schedule"]> = {};
  const fields = [
    ["spec.schedule", "cron"],
    ["spec.timeZone", "timeZone"],
    ["spec.suspend", "suspend"],
    ["spec.startingDeadlineSeconds", "startingDeadlineSeconds"],
  ] as const;
  for (const [path, input] of fields) {
    const want = valueAt(expected, path);
    const got = valueAt(live, path);
    // The API server defaults `suspend` to false; an absent value equals false.
    const same = path === "spec.suspend" ? (want ?? false) === (got ?? false) : canonical(want) === canonical(got);
    if (same) continue;
    messages.push(`${name}: ${path.slice(5)} is ${JSON.stringify(got)}, the plan says ${JSON.stringify(want)}`);
    (schedule as Record<string, unknown>)[input] = got;
  }
  const wantC = runner(expected);
  const gotC = runner(live);
  let image: string | undefined;
  if (!gotC) messages.push(`${name}: the runner container is missing`);
  else {
    if (gotC.image !== wantC?.image) {
      messages.push(`${name}: image is ${JSON.stringify(gotC.image)}, the plan says ${JSON.stringify(wantC?.image)}`);
      image = gotC.image as string;
    }
    for (const f of ["command", "args"] as const) {
      if (canonical(gotC[f]) !== canonical(wantC?.[f]))
        messages.push(
          `${name}: container ${f} is ${JSON.stringify(gotC[f])}, the plan says ${JSON.stringify(wantC?.[f])}`,
        );
    }
  }
  for (const path of ["spec.concurrencyPolicy", "spec.jobTemplate.spec.template.spec.serviceAccountName"]) {
    if (canonical(valueAt(expected, path)) !== canonical(valueAt(live, path)))
      messages.push(
        `${name}: ${path.slice(5)} is ${JSON.stringify(valueAt(live, path))}, the plan says ` +
          `${JSON.stringify(valueAt(expected, path))}`,
      );
  }
  return { messages, schedule, ...(image !== undefined ? { image } : {}) };
}

/** The fields of an object other than a CronJob that the plan owns and compares. */
const COMPARED: Readonly<Record<string, readonly string[]>> = {
  ConfigMap: ["data"],
  Role: ["rules"],
  ClusterRole: ["rules"],
  RoleBinding: ["roleRef", "subjects"],
  ClusterRoleBinding: ["roleRef", "subjects"],
  ServiceAccount: [],
};

/** Differences of one non-CronJob object (missing, or an owned field changed). */
export function objectDrift(expected: RenderedObject, live: unknown): string[] {
  const name = describeObject({
    kind: expected.kind,
    namespace: expected.metadata.namespace,
    name: expected.metadata.name,
  });
  if (live === undefined) return [`${name} is missing`];
  return (COMPARED[expected.kind] ?? [])
    .filter((f) => canonical(normalize(valueAt(expected, f))) !== canonical(normalize(valueAt(live, f))))
    .map((f) => `${name}: ${f} differs from what the plan installed`);
}

/** Drops empty optional fields the API server omits (e.g. `resourceNames: []`). */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined && !(Array.isArray(x) && x.length === 0))
        .map(([k, x]) => [k, normalize(x)]),
    );
  }
  return v;
}

/** Writes the reflected CronJob values into a copy of the inputs (or outputs). */
export function reflectCronJob<T extends BackupPlanInputs>(props: T, d: CronJobDrift): T {
  const out = { ...props, schedule: { ...props.schedule }, runner: { ...props.runner } };
  for (const [k, v] of Object.entries(d.schedule)) {
    if (v === undefined || v === null) delete (out.schedule as Record<string, unknown>)[k];
    else (out.schedule as Record<string, unknown>)[k] = v;
  }
  if (d.image !== undefined) out.runner.image = d.image;
  return out;
}
