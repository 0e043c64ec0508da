/**
 * Progress of long operations (backups, restores, copies), reported as events so that the same
 * engine code feeds a terminal bar, log lines in a CronJob's Pod, or Pulumi's provider output.
 */
export interface ProgressEvent {
  /** Short name of the current step, e.g. `discover`, `backup`, `upload`, `snapshot`, `restore`. */
  readonly step: string;
  /** Items done in this step. */
  readonly done: number;
  /** Items in this step, when known. */
  readonly total?: number;
  /** Bytes moved so far in this step, when it moves bytes. */
  readonly bytes?: number;
  /** A human-readable note (what is being waited for, a warning). */
  readonly message?: string;
}

export type ProgressSink = (event: ProgressEvent) => void;

/** A sink that drops everything. */
export const NO_PROGRESS: ProgressSink = () => undefined;

/** `1.2 MiB` style sizes for people. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/**
 * Renders events as lines, at most one per `intervalMs` per step (plus the first and the last), for
 * logs and non-interactive terminals: `backup: 1200/5000 objects, 3.1 MiB`.
 */
export function lineProgress(
  write: (line: string) => void,
  intervalMs = 2000,
  now: () => number = Date.now,
): ProgressSink {
  const last = new Map<string, number>();
  return (e) => {
    const t = now();
    const finished = e.total !== undefined && e.done >= e.total;
    const prev = last.get(e.step);
    if (prev !== undefined && !finished && !e.message && t - prev < intervalMs) return;
    last.set(e.step, t);
    const count = e.total !== undefined ? `${e.done}/${e.total}` : `${e.done}`;
    const bytes = e.bytes !== undefined ? `, ${formatBytes(e.bytes)}` : "";
    write(`${e.step}: ${count}${bytes}${e.message ? ` — ${e.message}` : ""}`);
  };
}

/**
 * Renders a byte count against a total as throttled lines, at most one per `intervalMs` plus the
 * last (done = total): `1.2 GiB / 3.4 GiB, 85 MiB/s`. The rate is over the time since the previous
 * line, so it shows what the transfer does now, not its average since the start.
 */
export function byteRateProgress(
  write: (line: string) => void,
  intervalMs = 2000,
  now: () => number = Date.now,
): (done: number, total: number) => void {
  const start = now();
  let last = { t: start, done: 0 };
  let ended = false;
  return (done, total) => {
    const t = now();
    const finished = done >= total;
    if (ended || (!finished && t - last.t < intervalMs)) return;
    ended = finished;
    const seconds = (t - last.t) / 1000;
    const rate = seconds > 0 ? `${formatBytes(Math.round((done - last.done) / seconds))}/s` : "-";
    write(`${formatBytes(done)} / ${formatBytes(total)}, ${rate}`);
    last = { t, done };
  };
}
