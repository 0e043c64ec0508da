/**
 * The dashboard's long actions (verify, back up now, restore) run as jobs in the `hks ui` process:
 * each keeps its output lines, which the job page shows and streams (server-sent events) as they
 * come, and ends ok or failed. Jobs live as long as the process; the newest 50 are kept.
 */

/** A job's state, as its page shows it. */
export interface Job {
  readonly id: string;
  /** What it does, e.g. `verify backup nightly-20261201020000 (location main)`. */
  readonly title: string;
  readonly startedAt: Date;
  readonly lines: string[];
  phase: "Running" | "Succeeded" | "Failed";
  endedAt?: Date;
}

/** What a job's work reports: its output lines as they come, then whether it succeeded. */
export type JobWork = (line: (text: string) => void) => Promise<{ ok: boolean }>;

const KEPT = 50;

/** The jobs of one dashboard. */
export class JobBoard {
  private readonly jobs = new Map<string, Job>();
  private readonly listeners = new Map<string, Set<(event: JobEvent) => void>>();
  private seq = 0;

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Starts `work` now; the returned job fills in as it runs. */
  start(title: string, work: JobWork): Job {
    const id = `${this.now().getTime().toString(36)}-${(++this.seq).toString(36)}`;
    const job: Job = { id, title, startedAt: this.now(), lines: [], phase: "Running" };
    this.jobs.set(id, job);
    for (const old of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - KEPT))) this.jobs.delete(old);
    const line = (text: string) => {
      job.lines.push(text);
      this.emit(id, { type: "line", text });
    };
    void work(line)
      .then(
        ({ ok }) => ok,
        (err: unknown) => {
          line(`error: ${err instanceof Error ? err.message : String(err)}`);
          return false;
        },
      )
      .then((ok) => {
        job.phase = ok ? "Succeeded" : "Failed";
        job.endedAt = this.now();
        this.emit(id, { type: "end", phase: job.phase });
      });
    return job;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** Newest first. */
  list(): Job[] {
    return [...this.jobs.values()].reverse();
  }

  /** Calls `listener` with each later event of job `id`; returns the unsubscribe function. */
  subscribe(id: string, listener: (event: JobEvent) => void): () => void {
    const set = this.listeners.get(id) ?? new Set();
    set.add(listener);
    this.listeners.set(id, set);
    return () => set.delete(listener);
  }

  private emit(id: string, event: JobEvent): void {
    for (const l of this.listeners.get(id) ?? []) l(event);
    if (event.type === "end") this.listeners.delete(id);
  }
}

/** What the job page's stream sends. */
export type JobEvent = { type: "line"; text: string } | { type: "end"; phase: Job["phase"] };
