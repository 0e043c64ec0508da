/**
 * Turns `hks restore create` flags into Restore inputs, validated by the same `checkRestore` the
 * Pulumi resource uses; failures are reported with the flag names a person typed.
 */
import * as fs from "node:fs";
import { InputError } from "../../provider/errors";
import { parseIdentityFile } from "../../provider/format/age-keys";
import { checkRestore } from "../../provider/plan/restore";
import type { RestoreInputs } from "../../provider/types";

/** The flags of `hks restore create`, as commander parses them. */
export interface CreateFlags {
  fromBackup?: string;
  fromPlan?: string;
  storageLocation?: string;
  namespaceMapping?: string;
  includeNamespaces?: string;
  selector?: string;
  includeResources?: string;
  excludeResources?: string;
  existingResourcePolicy?: string;
  restoreVolumes?: boolean;
  volumeSource?: string;
  preserveNodePorts?: boolean;
  identityFile?: string;
  wait?: boolean;
}

/** Input field → flag, for messages. */
const FLAG_OF: Record<string, string> = {
  restoreName: "<name>",
  backup: "--from-backup",
  plan: "--from-plan",
  latest: "--from-plan",
  storageLocation: "--storage-location",
  namespaceMapping: "--namespace-mapping",
  includeNamespaces: "--include-namespaces",
  selector: "--selector",
  includeResources: "--include-resources",
  excludeResources: "--exclude-resources",
  existingResourcePolicy: "--existing-resource-policy",
  namespace: "--namespace",
  identity: "--identity-file",
};

/** The flag a person typed for a Restore input path (`storageLocation` → `--storage-location`). */
export function flagOf(property: string): string {
  const head = property.split(/[.[]/)[0];
  const flag = FLAG_OF[head] ?? head;
  const rest = property.slice(head.length);
  const index = /^\[(\d+)\]/.exec(rest);
  if (index) return `${flag}, entry ${Number(index[1]) + 1}`;
  return rest ? `${flag} (${rest.replace(/^\./, "")})` : flag;
}

/** `a:b,c:d` → `{ a: "b", c: "d" }`; throws an InputError naming the flag for a malformed pair. */
export function parseMapping(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([^:]+):([^:]+)$/.exec(pair);
    if (!m) throw new InputError("--namespace-mapping", `"${pair}" is not source:target (e.g. production:staging)`);
    if (out[m[1]] !== undefined)
      throw new InputError(
        "--namespace-mapping",
        `namespace ${m[1]} is mapped twice (to ${out[m[1]]} and ${m[2]}): give one target per source namespace`,
      );
    out[m[1]] = m[2];
  }
  return out;
}

const list = (s?: string) =>
  s === undefined
    ? undefined
    : s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean);

/**
 * The identities for an encrypted backup: `--identity-file` (read as `age -i` does), else the
 * `HKS_AGE_IDENTITY` variable, else none.
 */
export function readIdentities(
  identityFile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { text?: string; identities: string[] } {
  if (identityFile) {
    let text: string;
    try {
      text = fs.readFileSync(identityFile, "utf8");
    } catch (e) {
      throw new InputError(
        "--identity-file",
        `cannot read ${identityFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}: give the ` +
          `file age-keygen wrote (AGE-SECRET-KEY-1...), or set HKS_AGE_IDENTITY`,
      );
    }
    return { text, identities: parseIdentityFile(text, `--identity-file ${identityFile}`) };
  }
  const text = env.HKS_AGE_IDENTITY;
  if (text) return { text, identities: parseIdentityFile(text, "HKS_AGE_IDENTITY") };
  return { identities: [] };
}

/** Builds and checks the inputs of a CLI restore; throws one InputError listing every problem. */
export function restoreInputsFromFlags(
  name: string,
  flags: CreateFlags,
  namespace: string,
  identity?: string,
): RestoreInputs {
  if (!flags.fromBackup && !flags.fromPlan)
    throw new InputError(
      "--from-backup",
      "is required: the backup to restore (or --from-plan <plan> for its newest Completed backup)",
    );
  const { inputs, failures } = checkRestore({
    resourceKind: "Restore",
    restoreName: name,
    backupName: flags.fromBackup,
    plan: flags.fromPlan,
    latest: flags.fromPlan ? true : undefined,
    storageLocation: flags.storageLocation,
    namespace,
    namespaceMapping: flags.namespaceMapping ? parseMapping(flags.namespaceMapping) : undefined,
    includeNamespaces: list(flags.includeNamespaces),
    includeResources: list(flags.includeResources),
    excludeResources: list(flags.excludeResources),
    selector: flags.selector,
    existingResourcePolicy: (flags.existingResourcePolicy ?? "none") as RestoreInputs["existingResourcePolicy"],
    restoreVolumes: flags.restoreVolumes ?? false,
    ...(flags.volumeSource !== undefined ? { volumeSource: flags.volumeSource as RestoreInputs["volumeSource"] } : {}),
    preserveNodePorts: flags.preserveNodePorts ?? false,
    identity,
  });
  if (failures.length) {
    const lines = failures.map((f) => `${flagOf(f.property)}: ${f.reason}`);
    throw new InputError(
      lines.length === 1 ? flagOf(failures[0].property) : "flags",
      lines.length === 1 ? failures[0].reason : `\n  ${lines.join("\n  ")}`,
    );
  }
  return inputs;
}
