/**
 * The `runner` input of a BackupPlan (how the CronJob's Job runs) and its defaults. The default
 * image is the one built from this repository's Dockerfile and published for the package version
 * in use, so the runner and the provider that installed the plan always agree on `plan.json`.
 */
import { packageVersion } from "../format/package-version";
import type { BackupPlanRunnerInputs } from "../types";
import { isObject, isQuantity, rejectUnknownKeys } from "./plan-fields";
import { DNS_SUBDOMAIN } from "../format/names";
import type { Checker } from "./validate";

export { packageVersion };

/** Repository of the runner image built from the repo's Dockerfile. */
export const RUNNER_IMAGE_REPOSITORY = "ghcr.io/hks-backup/runner";

/**
 * Job deadline (and run-lock lifetime) when `runner.timeoutSeconds` is omitted: 6 hours, long
 * enough for a large namespace with snapshots, short enough that a stuck run does not skip a day.
 */
export const DEFAULT_RUNNER_TIMEOUT_SECONDS = 6 * 3600;

/** Shortest accepted `runner.timeoutSeconds` (60): less cannot even start a Node process reliably. */
export const MIN_RUNNER_TIMEOUT_SECONDS = 60;

/** Longest accepted `runner.timeoutSeconds`: 7 days. */
export const MAX_RUNNER_TIMEOUT_SECONDS = 7 * 86_400;

/** Finished Jobs (and their Pods' logs) kept per outcome when not set: 3. */
export const DEFAULT_JOBS_HISTORY_LIMIT = 3;

const RUNNER_KEYS = [
  "image",
  "imagePullPolicy",
  "resources",
  "serviceAccountName",
  "timeoutSeconds",
  "successfulJobsHistoryLimit",
  "failedJobsHistoryLimit",
] as const;
const RESOURCE_NAMES = ["cpu", "memory", "ephemeral-storage"] as const;

/** `ghcr.io/hks-backup/runner:<version>`: the image the repo's Dockerfile builds for `version`. */
export function defaultRunnerImage(version: string = packageVersion()): string {
  return `${RUNNER_IMAGE_REPOSITORY}:${version}`;
}

function checkResources(c: Checker, v: unknown): void {
  if (!c.present(v)) return;
  if (!isObject(v))
    return c.fail("runner.resources", `must be { requests?: { cpu?, memory? }, limits?: { cpu?, memory? } }`);
  rejectUnknownKeys(c, "runner.resources", v, ["requests", "limits"]);
  for (const kind of ["requests", "limits"] as const) {
    const m = v[kind];
    if (!c.present(m)) continue;
    if (!isObject(m)) {
      c.fail(`runner.resources.${kind}`, `must be a map such as { cpu: "500m", memory: "256Mi" }`);
      continue;
    }
    rejectUnknownKeys(c, `runner.resources.${kind}`, m, RESOURCE_NAMES);
    for (const [k, q] of Object.entries(m)) {
      if (c.present(q) && !isQuantity(q))
        c.fail(
          `runner.resources.${kind}.${k}`,
          `${JSON.stringify(q)} is not a Kubernetes quantity such as "500m", "1", "256Mi" or "1Gi"`,
        );
    }
  }
}

/** Validates `runner` and fills in its defaults (image, deadline, history limits). */
export function checkRunner(c: Checker, v: unknown): BackupPlanRunnerInputs {
  const given = c.present(v) ? v : {};
  if (!isObject(given)) {
    c.fail("runner", "must be an object { image?, resources?, serviceAccountName?, ... }");
    return {
      image: defaultRunnerImage(),
      timeoutSeconds: DEFAULT_RUNNER_TIMEOUT_SECONDS,
      successfulJobsHistoryLimit: DEFAULT_JOBS_HISTORY_LIMIT,
      failedJobsHistoryLimit: DEFAULT_JOBS_HISTORY_LIMIT,
    };
  }
  rejectUnknownKeys(c, "runner", given, RUNNER_KEYS);
  if (c.present(given.image) && (typeof given.image !== "string" || given.image === "" || /\s/.test(given.image))) {
    c.fail(
      "runner.image",
      `must be an image reference such as "${defaultRunnerImage()}", got ${JSON.stringify(given.image)}`,
    );
  }
  c.oneOf("runner.imagePullPolicy", given.imagePullPolicy, ["Always", "IfNotPresent", "Never"] as const);
  checkResources(c, given.resources);
  if (
    c.present(given.serviceAccountName) &&
    (typeof given.serviceAccountName !== "string" ||
      given.serviceAccountName.length > 253 ||
      !DNS_SUBDOMAIN.test(given.serviceAccountName))
  ) {
    c.fail(
      "runner.serviceAccountName",
      `must be the name of an existing ServiceAccount in the plan's namespace, got ` +
        `${JSON.stringify(given.serviceAccountName)}`,
    );
  }
  c.integer(
    "runner.timeoutSeconds",
    given.timeoutSeconds,
    MIN_RUNNER_TIMEOUT_SECONDS,
    MAX_RUNNER_TIMEOUT_SECONDS,
    "seconds",
  );
  c.integer("runner.successfulJobsHistoryLimit", given.successfulJobsHistoryLimit, 0, 100);
  c.integer("runner.failedJobsHistoryLimit", given.failedJobsHistoryLimit, 0, 100);
  return {
    ...(given as Partial<BackupPlanRunnerInputs>),
    image: (given.image as string | undefined) ?? defaultRunnerImage(),
    timeoutSeconds: (given.timeoutSeconds as number | undefined) ?? DEFAULT_RUNNER_TIMEOUT_SECONDS,
    successfulJobsHistoryLimit: (given.successfulJobsHistoryLimit as number | undefined) ?? DEFAULT_JOBS_HISTORY_LIMIT,
    failedJobsHistoryLimit: (given.failedJobsHistoryLimit as number | undefined) ?? DEFAULT_JOBS_HISTORY_LIMIT,
  };
}
