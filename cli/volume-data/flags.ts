/**
 * The flags of `hks volume-data`, checked before anything is read or written: every problem is an
 * InputError naming the flag a person (or the mover Pod's spec) typed.
 */
import * as fs from "node:fs";
import { InputError } from "../../provider/errors";
import { assertValidName, nameProblem } from "../../provider/store/layout";

/** A PVC as `--pvc` names it. */
export interface PvcFlag {
  readonly namespace: string;
  readonly pvc: string;
}

/** `<namespace>/<name>` → the PVC; InputError naming `--pvc` otherwise. */
export function parsePvcFlag(value: string | undefined): PvcFlag {
  const m = /^([^/]+)\/([^/]+)$/.exec(value ?? "");
  if (!m)
    throw new InputError("--pvc", `${JSON.stringify(value ?? "")} is not <namespace>/<name> (e.g. production/data)`);
  const [, namespace, pvc] = m as unknown as [string, string, string];
  for (const [what, v] of [
    ["namespace", namespace],
    ["name", pvc],
  ] as const) {
    const problem = nameProblem(v);
    if (problem) throw new InputError("--pvc", `the ${what} ${problem}`);
  }
  return { namespace, pvc };
}

/** The backup name of `--backup`; InputError naming it when invalid. */
export function backupFlag(value: string | undefined): string {
  assertValidName(value ?? "", "--backup");
  return value!;
}

/** An existing directory given by `flag`; InputError naming the flag otherwise. */
export function directoryFlag(flag: string, value: string | undefined): string {
  if (!value) throw new InputError(flag, "is required: give a directory");
  let st: fs.Stats;
  try {
    st = fs.statSync(value);
  } catch (e) {
    throw new InputError(flag, `cannot use ${value} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!st.isDirectory()) throw new InputError(flag, `${value} is not a directory`);
  return value;
}

/** `--concurrency` as a whole number 1-32 (undefined when not given). */
export function concurrencyFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new InputError("--concurrency", `"${value}" is not 1-32`);
  return n;
}
