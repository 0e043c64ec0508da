/**
 * Helpers of the BackupPlan integration and e2e tests, all against the real stack:
 * - a kubeconfig for a ServiceAccount, from a TokenRequest (what a Pod's projected token gives it),
 *   so the runner's least-privilege RBAC is what the API server enforces;
 * - SubjectAccessReviews for that ServiceAccount;
 * - running a Job's container as a local process the way a kubelet would: command + args + env
 *   taken from the Job object (env references resolved against the API), with the image's
 *   entrypoint `node /app/bin/hks.js` mapped to this repository's `bin/hks.js`.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { RUNNER_COMMAND } from "../../provider/kube/plan-install-render";

const ROOT = path.resolve(__dirname, "../..");

/** Writes a kubeconfig authenticating as `namespace/serviceAccount` with a fresh bound token. */
export async function serviceAccountKubeconfig(
  admin: k8s.KubeConfig,
  namespace: string,
  serviceAccount: string,
): Promise<string> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const tr = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { expirationSeconds: 3600, audiences: [] } },
  });
  const cluster = admin.getCurrentCluster()!;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hks-sa-")), "kubeconfig");
  const ca = cluster.caData ?? (cluster.caFile ? fs.readFileSync(cluster.caFile).toString("base64") : undefined);
  const text = [
    "apiVersion: v1",
    "kind: Config",
    "current-context: runner",
    "clusters:",
    `- name: c`,
    `  cluster:`,
    `    server: ${cluster.server}`,
    ...(ca ? [`    certificate-authority-data: ${ca}`] : []),
    "users:",
    `- name: sa`,
    `  user:`,
    `    token: ${tr.status!.token}`,
    "contexts:",
    `- name: runner`,
    `  context: {cluster: c, user: sa, namespace: ${namespace}}`,
  ].join("\n");
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** Whether `namespace/serviceAccount` may do `verb` on `resource` (SubjectAccessReview). */
export async function can(
  admin: k8s.KubeConfig,
  sa: { namespace: string; name: string },
  attrs: { verb: string; resource: string; group?: string; namespace?: string; name?: string; subresource?: string },
): Promise<boolean> {
  const authz = admin.makeApiClient(k8s.AuthorizationV1Api);
  const r = await authz.createSubjectAccessReview({
    body: {
      spec: {
        user: `system:serviceaccount:${sa.namespace}:${sa.name}`,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${sa.namespace}`, "system:authenticated"],
        resourceAttributes: {
          verb: attrs.verb,
          resource: attrs.resource,
          group: attrs.group ?? "",
          namespace: attrs.namespace,
          name: attrs.name,
          subresource: attrs.subresource,
        },
      },
    },
  });
  return r.status?.allowed === true;
}

/** A process to start: argv and environment. */
export interface ProcessSpec {
  readonly argv: string[];
  readonly env: Record<string, string>;
}

/**
 * The runner container of `job` as a local process. Env entries are resolved as a kubelet does:
 * plain values, Downward API fields of `pod`, and Secret/ConfigMap keys read from the API.
 */
export async function containerProcess(admin: k8s.KubeConfig, job: k8s.V1Job, pod: k8s.V1Pod): Promise<ProcessSpec> {
  const c = job.spec!.template.spec!.containers[0]!;
  const command = c.command ?? [];
  // The image's entrypoint is this repository's CLI, installed at /app: run the local checkout instead.
  if (JSON.stringify(command) !== JSON.stringify(RUNNER_COMMAND))
    throw new Error(`unexpected container command ${JSON.stringify(command)}`);
  // Node's own flags (the heap sizing) are kept: the runner runs as the container would run it.
  const argv = [process.execPath, ...command.slice(1, -1), path.join(ROOT, "bin", "hks.js"), ...(c.args ?? [])];
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const ns = job.metadata!.namespace!;
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef) env[e.name] = fieldOf(pod, e.valueFrom.fieldRef.fieldPath);
    else if (e.valueFrom?.secretKeyRef) {
      const s = await core.readNamespacedSecret({ name: e.valueFrom.secretKeyRef.name!, namespace: ns });
      env[e.name] = Buffer.from(s.data![e.valueFrom.secretKeyRef.key]!, "base64").toString("utf8");
    } else if (e.valueFrom?.configMapKeyRef) {
      const cm = await core.readNamespacedConfigMap({ name: e.valueFrom.configMapKeyRef.name!, namespace: ns });
      env[e.name] = cm.data![e.valueFrom.configMapKeyRef.key]!;
    } else throw new Error(`env ${e.name}: unsupported source ${JSON.stringify(e.valueFrom)}`);
  }
  return { argv, env };
}

function fieldOf(pod: k8s.V1Pod, fieldPath: string): string {
  const v = (
    {
      "metadata.name": pod.metadata?.name,
      "metadata.namespace": pod.metadata?.namespace,
      "spec.serviceAccountName": pod.spec?.serviceAccountName,
    } as Record<string, string | undefined>
  )[fieldPath];
  if (v === undefined) throw new Error(`fieldRef ${fieldPath} is not emulated`);
  return v;
}

/** What a process did. */
export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `spec` with ONLY its environment plus PATH, HOME and `extra` (the kubeconfig standing in for
 * the Pod's mounted token, and HKS_NOW): nothing of the test's own environment (AWS_*, KUBECONFIG)
 * leaks in, as in a container.
 */
export function runProcess(spec: ProcessSpec, extra: Record<string, string>): Promise<ProcessResult> {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir(), ...spec.env, ...extra };
  return new Promise((resolve) => {
    execFile(
      spec.argv[0]!,
      spec.argv.slice(1),
      { env, cwd: os.tmpdir(), maxBuffer: 16 << 20, timeout: 170_000 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === "number"
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export { waitFor } from "../support/wait";
