/**
 * Cluster access shared by every resource and the CLI: an explicit kubeconfig (file content, a
 * secret input) and context, else the ambient configuration (`KUBECONFIG`, then in-cluster).
 */
import * as k8s from "@kubernetes/client-node";
import { InputError, KubernetesError } from "../errors";

/** Which cluster to talk to. */
export interface ClusterAccess {
  /** Content of a kubeconfig file. Default: `KUBECONFIG`, `~/.kube/config`, then in-cluster. */
  readonly kubeconfig?: string;
  /** Context to use from the kubeconfig. Default: its current context. */
  readonly context?: string;
}

/** Loads the kubeconfig for `access`, validating the context name. */
export function loadKubeConfig(access: ClusterAccess = {}, field = "context"): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  try {
    if (access.kubeconfig) kc.loadFromString(access.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    throw new InputError("kubeconfig", `cannot parse the kubeconfig: ${(err as Error).message}`);
  }
  if (access.context) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(access.context)) {
      throw new InputError(
        field,
        `context "${access.context}" is not in the kubeconfig (it has: ${names.join(", ") || "none"})`,
      );
    }
    kc.setCurrentContext(access.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new InputError(
      "kubeconfig",
      "no cluster is configured: give `kubeconfig`, set KUBECONFIG, or run inside a cluster",
    );
  }
  return kc;
}

/** HTTP status of a client-node error, if it has one. */
export function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown; response?: { statusCode?: number } };
  if (typeof e?.code === "number") return e.code;
  if (typeof e?.statusCode === "number") return e.statusCode;
  return e?.response?.statusCode;
}

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusOf(err) === 409;

/** Wraps a client-node error into a KubernetesError that says what was being done. */
export function kubeError(doing: string, err: unknown): KubernetesError {
  const status = statusOf(err);
  const body = (err as { body?: unknown }).body;
  let reason = err instanceof Error ? err.message : String(err);
  if (body && typeof body === "object" && "message" in body) reason = String((body as { message: unknown }).message);
  else if (typeof body === "string" && body.length < 2000) {
    try {
      reason = JSON.parse(body).message ?? reason;
    } catch {
      /* not JSON */
    }
  }
  return new KubernetesError(`${doing}: ${status ? `HTTP ${status}: ` : ""}${reason}`, { cause: err });
}
