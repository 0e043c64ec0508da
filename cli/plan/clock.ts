/** The clock of commands that take `--now` (tests and drills pin it). */
import { Option } from "commander";

/**
 * Parses `--now` / HKS_NOW into a clock that reads exactly that instant on its FIRST call (the run's
 * start, which names the backup) and runs at real speed from then on; undefined = real time.
 * Starting on first use, not at parse time, keeps process start-up out of the backup's name.
 */
export function clockFrom(text: string | undefined, source: string): (() => Date) | undefined {
  if (text === undefined || text === "") return undefined;
  const start = Date.parse(text);
  if (Number.isNaN(start)) throw new Error(`${source}: "${text}" is not an ISO 8601 time such as 2025-01-31T02:00:00Z`);
  let t0: number | undefined;
  return () => {
    t0 ??= Date.now();
    return new Date(start + (Date.now() - t0));
  };
}

/** The hidden `--now` of the commands that read the clock (tests pin it). */
export const nowOption = (): Option =>
  new Option(
    "--now <time>",
    "compute at this ISO 8601 time instead of now (testing); run-plan also reads HKS_NOW",
  ).hideHelp();

/** The instant a command computes at: `--now` when given, else the real time. */
export const commandNow = (text: string | undefined): Date => clockFrom(text, "--now")?.() ?? new Date();
