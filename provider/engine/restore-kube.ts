/**
 * The restore port (RestoreCluster) on client-node's generic object API. It extends
 * KubernetesObjectApi for its discovery cache, authentication and HTTP stack, but sends and returns
 * objects as plain JSON: the stock create/replace run bodies through client-node's typed models,
 * which silently drop every field the models do not know (a field newer than the client, or any
 * extra field), and a restore must apply the archived object exactly. Paths are built here too,
 * because the stock `specUriPath` lower-cases the whole path (RBAC names may hold upper case).
 */
import * as k8s from "@kubernetes/client-node";
import { ClusterCallError, type ApiResourceInfo, type RestoreCluster, type TargetRef } from "./restore-types";
import type { KubeObject } from "./transform";

/** `processResponse` type tag that asks for the body as plain JSON. */
const RAW = "hks:raw-json";

type Method = "GET" | "POST" | "PUT" | "DELETE";

class RawObjectApi extends k8s.KubernetesObjectApi {
  /** The API resource serving apiVersion/kind, skipping subresources (`pods/status` is kind Pod too). */
  async lookup(apiVersion: string, kind: string): Promise<k8s.V1APIResource | undefined> {
    const cached = this.apiVersionResourceCache[apiVersion]?.resources.find((r) => r.kind === kind && !r.name.includes("/"));
    if (cached) return cached;
    try {
      await this.resource(apiVersion, kind); // (re)fills the cache for apiVersion
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined; // the group/version is not served
      throw e;
    }
    return this.apiVersionResourceCache[apiVersion]?.resources.find((r) => r.kind === kind && !r.name.includes("/"));
  }

  forget(): void {
    this.apiVersionResourceCache = {};
  }

  async send(method: Method, path: string, body?: unknown, query: Record<string, string> = {}): Promise<unknown> {
    const ctx = this.configuration.baseServer.makeRequestContext(path, method);
    ctx.setHeaderParam("Accept", "application/json");
    for (const [k, v] of Object.entries(query)) ctx.setQueryParam(k, v);
    if (body !== undefined) {
      ctx.setHeaderParam("Content-Type", "application/json");
      ctx.setBody(JSON.stringify(body));
    }
    return this.requestPromise(ctx, RAW);
  }

  protected override async processResponse<T extends k8s.KubernetesObject>(response: k8s.ResponseContext, type?: string): Promise<T> {
    if (type !== RAW) return super.processResponse<T>(response, type);
    const text = await response.body.text();
    let data: unknown = text;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch { /* not JSON: keep the text for the message */ }
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) return data as T;
    throw new k8s.ApiException(response.httpStatusCode, "Unsuccessful HTTP Request", data, response.headers);
  }
}

/** Turns a client-node failure into a ClusterCallError with the server's own message. */
function callError(doing: string, e: unknown): ClusterCallError {
  const status = typeof (e as { code?: unknown }).code === "number" ? (e as { code: number }).code : 0;
  const body = (e as { body?: unknown }).body as { message?: string; reason?: string } | string | undefined;
  const message = typeof body === "object" && body?.message ? body.message : e instanceof Error ? e.message : String(e);
  return new ClusterCallError(status, `${doing}: ${status ? `HTTP ${status}: ` : ""}${message}`, typeof body === "object" ? body?.reason : undefined, { cause: e });
}

/** The RestoreCluster of a kubeconfig. */
export class KubeRestoreCluster implements RestoreCluster {
  private readonly api: RawObjectApi;

  constructor(private readonly kc: k8s.KubeConfig) {
    this.api = kc.makeApiClient(RawObjectApi);
  }

  describe(): string {
    return this.kc.getCurrentCluster()?.server ?? "(unknown cluster)";
  }

  async resourceFor(apiVersion: string, kind: string): Promise<ApiResourceInfo | undefined> {
    let r: k8s.V1APIResource | undefined;
    try {
      r = await this.api.lookup(apiVersion, kind);
    } catch (e) {
      throw callError(`discovering ${apiVersion} ${kind}`, e);
    }
    if (!r) return undefined;
    const slash = apiVersion.indexOf("/");
    return {
      group: slash < 0 ? "" : apiVersion.slice(0, slash),
      version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
      resource: r.name,
      kind,
      namespaced: r.namespaced,
    };
  }

  refreshDiscovery(): void {
    this.api.forget();
  }

  private async pathOf(ref: TargetRef, withName: boolean): Promise<string> {
    const info = await this.resourceFor(ref.apiVersion, ref.kind);
    if (!info) throw new ClusterCallError(404, `the target cluster serves no ${ref.apiVersion} ${ref.kind}: install its CRD (or include the CRD in the backup)`, "NoKind");
    if (info.namespaced && !ref.namespace) throw new ClusterCallError(400, `${ref.kind} ${ref.name} is namespaced but has no namespace`);
    const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
    const ns = info.namespaced ? `/namespaces/${encodeURIComponent(ref.namespace!)}` : "";
    return `${base}${ns}/${info.resource}${withName ? `/${encodeURIComponent(ref.name)}` : ""}`;
  }

  async get(ref: TargetRef): Promise<KubeObject | undefined> {
    try {
      return (await this.api.send("GET", await this.pathOf(ref, true))) as KubeObject;
    } catch (e) {
      if (e instanceof ClusterCallError) throw e;
      if ((e as { code?: number }).code === 404) return undefined;
      throw callError(`reading ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`, e);
    }
  }

  async create(obj: KubeObject): Promise<KubeObject> {
    const ref = refOf(obj);
    const path = await this.pathOf(ref, false);
    return (await this.api.send("POST", path, obj).catch((e) => { throw callError(`creating ${describe(ref)}`, e); })) as KubeObject;
  }

  async replace(obj: KubeObject): Promise<KubeObject> {
    const ref = refOf(obj);
    const path = await this.pathOf(ref, true);
    return (await this.api.send("PUT", path, obj).catch((e) => { throw callError(`updating ${describe(ref)}`, e); })) as KubeObject;
  }

  async delete(ref: TargetRef, opts: { uid?: string; propagation?: "Background" | "Foreground" } = {}): Promise<void> {
    const path = await this.pathOf(ref, true);
    const body = { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: opts.propagation ?? "Background", ...(opts.uid ? { preconditions: { uid: opts.uid } } : {}) };
    try {
      await this.api.send("DELETE", path, body);
    } catch (e) {
      if ((e as { code?: number }).code === 404) return;
      throw callError(`deleting ${describe(ref)}`, e);
    }
  }
}

/** The TargetRef of an object. */
export function refOf(obj: KubeObject): TargetRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace || undefined };
}

function describe(ref: TargetRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}
