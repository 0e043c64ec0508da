/**
 * Reads a scheduled drill as its CronJob's runner does: the drill (drill-file form) and its runtime
 * settings from ConfigMap `hks-drill-<name>`, and its age identity from the Secret named there.
 */
import * as k8s from "@kubernetes/client-node";
import { InputError } from "../errors";
import { DRILL_RUNTIME_KEY, DRILL_SPEC_KEY, drillObjectName, type DrillRuntime } from "../format/drill";
import { isNotFound, kubeError } from "./client";

/** An installed drill: its fields as a drill file holds them, and the runner's settings. */
export interface InstalledDrill {
  readonly source: string;
  readonly fields: Record<string, unknown>;
  readonly runtime: DrillRuntime;
}

/** Reads ConfigMap `hks-drill-<name>` in `namespace`; a missing one is an InputError on `<name>`. */
export async function readInstalledDrill(kc: k8s.KubeConfig, namespace: string, name: string): Promise<InstalledDrill> {
  const cmName = drillObjectName(name);
  const source = `ConfigMap ${namespace}/${cmName}`;
  let cm: k8s.V1ConfigMap;
  try {
    cm = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ name: cmName, namespace });
  } catch (err) {
    if (isNotFound(err))
      throw new InputError(
        "<name>",
        `no scheduled drill "${name}" in namespace ${namespace} (${source} not found): give a RestoreDrill with a ` +
          `schedule, or run a drill file with --file`,
      );
    throw kubeError(`reading ${source}`, err);
  }
  const parse = (key: string): Record<string, unknown> => {
    try {
      return JSON.parse(cm.data?.[key] ?? "{}") as Record<string, unknown>;
    } catch (e) {
      throw new InputError("<name>", `${source} key ${key} is not JSON (${(e as Error).message}); run pulumi up again`);
    }
  };
  return { source, fields: parse(DRILL_SPEC_KEY), runtime: parse(DRILL_RUNTIME_KEY) as DrillRuntime };
}

/** The age identity file content in Secret `name` (key `identity`). */
export async function readDrillIdentity(kc: k8s.KubeConfig, namespace: string, name: string): Promise<string> {
  try {
    const s = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ name, namespace });
    const b64 = s.data?.identity;
    if (!b64)
      throw new InputError("identity", `Secret ${namespace}/${name} has no key "identity"; run pulumi up again`);
    return Buffer.from(b64, "base64").toString("utf8");
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw kubeError(`reading the drill's identity Secret ${namespace}/${name}`, err);
  }
}
