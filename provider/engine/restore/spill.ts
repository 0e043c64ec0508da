/**
 * Restore's first pass: read the whole verified archive, decide about every object (transform.ts),
 * and spill the objects to restore into one NDJSON file per resource type in a temporary folder.
 * Only after this pass succeeds does anything touch the cluster, so a wrong identity, a damaged
 * entry or a tampered archive changes nothing; and the apply pass can go tier by tier (CRDs first)
 * without holding objects in memory.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import { once } from "node:events";
import type { ArchiveEntry } from "../archive/archive";
import { groupResourceKey, type GroupResource } from "../../format/archive-paths";
import { parseObjectYaml } from "../../format/object-yaml";
import { NO_PROGRESS, type ProgressSink } from "../progress";
import type { RestoreOutcomes } from "./result";
import { describeTargetRef, transformObject, type PendingOwner, type TransformOptions } from "../transform/transform";
import type { KubeObject } from "../../format/kube-object";

/** One object to apply, as spilled. */
export interface SpilledObject {
  /** The object as results name it: `resource.group/namespace/name` in the target (namespace mapped). */
  readonly item: string;
  /** The object's namespace in the backup (before mapping); absent when cluster-scoped. */
  readonly sourceNamespace?: string;
  readonly object: KubeObject;
  readonly owners: readonly PendingOwner[];
}

/** What the first pass found. */
export interface SpillIndex {
  /** Spill file and object count per group-resource key. */
  readonly types: Map<string, { readonly gr: GroupResource; readonly file: string; count: number }>;
  /** Every source namespace the archive holds objects in (or a Namespace object for). */
  readonly sourceNamespaces: Set<string>;
  /** Every target namespace a restored namespaced object goes into. */
  readonly targetNamespaces: Set<string>;
  /** Objects to apply. */
  total: number;
  /** Archive entries read. */
  entries: number;
}

type Writer = { stream: fs.WriteStream };

async function write(w: Writer, line: string): Promise<void> {
  if (!w.stream.write(line)) await once(w.stream, "drain");
}

/**
 * Reads every entry, transforms it and spills what will be restored into `dir`. Skips and
 * transform failures go to `outcomes`. Throws (IntegrityError) when the archive is refused; the
 * caller must then not apply anything.
 */
export async function spillArchive(
  entries: AsyncIterable<ArchiveEntry>,
  opts: TransformOptions,
  dir: string,
  outcomes: RestoreOutcomes,
  progress: ProgressSink = NO_PROGRESS,
): Promise<SpillIndex> {
  const index: SpillIndex = {
    types: new Map(),
    sourceNamespaces: new Set(),
    targetNamespaces: new Set(),
    total: 0,
    entries: 0,
  };
  const writers = new Map<string, Writer>();
  try {
    for await (const entry of entries) {
      index.entries++;
      const ref = entry.ref;
      const key = groupResourceKey(ref);
      const item = describeTargetRef(ref, opts.namespaceMapping);
      if (ref.namespace) index.sourceNamespaces.add(ref.namespace);
      else if (key === "namespaces") index.sourceNamespaces.add(ref.name);
      let raw: unknown;
      try {
        raw = parseObjectYaml(entry.content.toString("utf8"));
      } catch (e) {
        outcomes.failed(item, `the archived YAML does not parse: ${(e as Error).message.split("\n")[0]}`);
        continue;
      }
      const d = transformObject(raw, ref, opts);
      if (d.action === "skip") outcomes.skipped(item, d.reason);
      else if (d.action === "fail") outcomes.failed(item, d.reason);
      else {
        let t = index.types.get(key);
        if (!t) {
          const file = path.join(dir, `type-${index.types.size}.ndjson`);
          index.types.set(key, (t = { gr: { group: ref.group, resource: ref.resource }, file, count: 0 }));
          writers.set(key, { stream: fs.createWriteStream(file, { mode: 0o600 }) });
        }
        const spilled: SpilledObject = { item, sourceNamespace: ref.namespace, object: d.object, owners: d.owners };
        await write(writers.get(key)!, JSON.stringify(spilled) + "\n");
        t.count++;
        index.total++;
        if (d.targetNamespace) index.targetNamespaces.add(d.targetNamespace);
      }
      progress({ step: "read", done: index.entries });
    }
  } finally {
    await Promise.all(
      [...writers.values()].map(async (w) => {
        w.stream.end();
        if (!w.stream.writableFinished) await once(w.stream, "finish").catch(() => undefined);
      }),
    );
  }
  progress({ step: "read", done: index.entries, total: index.entries, message: `${index.total} objects to apply` });
  return index;
}

/** Streams the spilled objects of one type back, one at a time. */
export async function* readSpilled(file: string): AsyncGenerator<SpilledObject> {
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) if (line) yield JSON.parse(line) as SpilledObject;
}
