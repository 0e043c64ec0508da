/**
 * `hks backup create <name>`: the same inputs, validation (plan/backup.ts) and engine as the Backup
 * resource, from flags. The backup runs in this process, so the command waits for it (`--wait` is
 * accepted and is the only mode); progress goes to stderr, the result to stdout.
 */
import type { Command } from "commander";
import { InputError } from "../../provider/errors";
import { runBackup } from "../../provider/engine/backup/backup";
import { DEFAULT_PAGE_SIZE } from "../../provider/kube/list-objects";
import { parseLabelPairs } from "../../provider/format/label-selector";
import { prepareBackup } from "../../provider/prepare/backup";
import { checkBackup } from "../../provider/plan/backup";
import type { BackupInputs } from "../../provider/types";
import { cliProgress, globalOptions, kubeConfigFor } from "../context";
import { createdText, EXIT_CODE } from "./format";

/** Flags of `hks backup create`, as commander parses them. */
export interface CreateFlags {
  includeNamespaces?: string[];
  excludeNamespaces?: string[];
  selector?: string;
  includeResources?: string[];
  excludeResources?: string[];
  storageLocation?: string;
  snapshotVolumes?: boolean;
  volumeSnapshotClass?: string;
  copyVolumeData?: boolean;
  volumeDataStorageClasses?: string[];
  volumeDataSelector?: string;
  deleteSnapshotsAfterCopy?: boolean;
  snapshotTimeout?: string;
  labels?: string;
  pageSize?: string;
  plan?: string;
  wait?: boolean;
  output?: string;
}

/** Input paths of the Backup resource → the flag that sets them, so messages name the flag. */
const FLAG_OF: Record<string, string> = {
  "target.namespaces": "--include-namespaces",
  "target.excludeNamespaces": "--exclude-namespaces",
  "target.selector": "--selector",
  "target.includeResources": "--include-resources",
  "target.excludeResources": "--exclude-resources",
  "target.volumeSnapshotClass": "--volume-snapshot-class",
  "target.volumeData": "--copy-volume-data",
  "target.volumeData.storageClasses": "--volume-data-storage-classes",
  "target.volumeData.selector": "--volume-data-selector",
  "target.volumeData.keepSnapshots": "--delete-snapshots-after-copy",
  target: "--include-namespaces/--selector",
  name: "<name>",
  snapshotTimeoutSeconds: "--snapshot-timeout",
  labels: "--labels",
  plan: "--plan",
  storageLocation: "--storage-location",
};

function flagOf(property: string): string {
  const base = Object.keys(FLAG_OF)
    .sort((a, b) => b.length - a.length)
    .find((k) => property === k || property.startsWith(`${k}.`) || property.startsWith(`${k}[`));
  return base ? `${FLAG_OF[base]}${property.slice(base.length)}` : property;
}

/**
 * The Backup inputs the flags describe, validated with the resource's own `check`. Throws an
 * InputError naming the flag.
 */
export function inputsFromFlags(name: string, f: CreateFlags, locationNamespace: string): BackupInputs {
  // A number, or the text as typed, so that a message shows "abc" rather than NaN's "null".
  const timeout =
    f.snapshotTimeout === undefined
      ? undefined
      : /^\s*-?\d+(\.\d+)?\s*$/.test(f.snapshotTimeout)
        ? Number(f.snapshotTimeout)
        : f.snapshotTimeout;
  const targetFlags = [
    f.includeNamespaces,
    f.excludeNamespaces,
    f.selector,
    f.includeResources,
    f.excludeResources,
    f.snapshotVolumes,
    f.volumeSnapshotClass,
    f.copyVolumeData,
    f.volumeDataStorageClasses,
    f.volumeDataSelector,
    f.deleteSnapshotsAfterCopy,
  ];
  const copy =
    f.copyVolumeData ||
    f.deleteSnapshotsAfterCopy ||
    f.volumeDataStorageClasses !== undefined ||
    f.volumeDataSelector !== undefined;
  // `--plan` alone backs up the installed plan's target (as the Backup resource does with only `plan`).
  const fromPlan = f.plan !== undefined && targetFlags.every((v) => v === undefined);
  const { inputs, failures } = checkBackup({
    resourceKind: "Backup",
    resourceName: name,
    requestedName: name,
    storageLocation: f.storageLocation,
    locationNamespace,
    target: fromPlan
      ? undefined
      : {
          namespaces: f.includeNamespaces,
          excludeNamespaces: f.excludeNamespaces,
          selector: f.selector,
          includeResources: f.includeResources,
          excludeResources: f.excludeResources,
          snapshotVolumes: f.snapshotVolumes,
          volumeSnapshotClass: f.volumeSnapshotClass,
          ...(copy
            ? {
                volumeData: {
                  ...(f.volumeDataStorageClasses ? { storageClasses: f.volumeDataStorageClasses } : {}),
                  ...(f.volumeDataSelector !== undefined ? { selector: f.volumeDataSelector } : {}),
                  ...(f.deleteSnapshotsAfterCopy ? { keepSnapshots: false } : {}),
                },
              }
            : {}),
        },
    plan: f.plan,
    labels: f.labels ? parseLabelPairs(f.labels, "--labels") : undefined,
    snapshotTimeoutSeconds: timeout as number | undefined,
  });
  if (failures.length) {
    const first = failures[0]!;
    throw new InputError(
      flagOf(first.property),
      first.reason +
        (failures.length > 1
          ? ` (and ${failures.length - 1} more: ${failures
              .slice(1)
              .map((x) => `${flagOf(x.property)}: ${x.reason}`)
              .join("; ")})`
          : ""),
    );
  }
  return inputs;
}

/** `--page-size` as a number; undefined when not given. Throws an InputError naming the flag. */
export function pageSizeFromFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_PAGE_SIZE)) {
    throw new InputError(
      "--page-size",
      `must be a whole number from 1 to ${MAX_PAGE_SIZE} (objects per LIST request), got ` +
        `${JSON.stringify(value)}; leave it out for ${DEFAULT_PAGE_SIZE}`,
    );
  }
  return n;
}

/** Largest `--page-size`: the apiserver caps nothing, but a page is held in memory whole. */
const MAX_PAGE_SIZE = 10_000;

/** Runs `hks backup create`; sets the exit code from the phase. */
export async function createAction(name: string, flags: CreateFlags, cmd: Command): Promise<void> {
  const g = globalOptions(cmd);
  const inputs = inputsFromFlags(name, flags, g.namespace);
  const pageSize = pageSizeFromFlag(flags.pageSize);
  const kc = kubeConfigFor(g);
  const { location, deps, request } = await prepareBackup(kc, inputs, {
    fieldOf: (path) => (path === "planStorageLocation" ? "--storage-location" : flagOf(path)),
    planFix: "check the name and --namespace, or give --include-namespaces/--selector",
  });
  process.stderr.write(`hks: backing up to ${location.name} (${deps.store.describe()})\n`);
  const ac = new AbortController();
  const onSignal = () => ac.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  try {
    const res = await runBackup(request, { ...deps, pageSize, progress: cliProgress(), signal: ac.signal });
    process.stdout.write(
      flags.output === "json" ? JSON.stringify(res.record, null, 2) + "\n" : createdText(res, location.name),
    );
    process.exitCode = EXIT_CODE[res.phase];
  } finally {
    process.off("SIGINT", onSignal);
  }
}
