/**
 * The contract every resource handler fulfils: the Pulumi dynamic-provider lifecycle, typed per kind.
 * Inside a handler the order is always: parse, plan (pure), apply (side effects), shape outputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ProgressSink } from "../engine/progress";

/** What every handler method receives besides its Pulumi arguments. */
export interface HandlerContext {
  /** Aborted when the method's deadline passes. */
  readonly signal: AbortSignal;
  /**
   * A line for the person running `pulumi up`, kept in the resource's diagnostics: what was created
   * or deleted, counts, sizes, skips. A few per resource; never progress (that is `progress`).
   */
  readonly log: (line: string) => void;
  /**
   * Progress of long work, shown on the resource's row while it runs (Pulumi's ephemeral status) and
   * never kept in the diagnostics.
   */
  readonly progress: ProgressSink;
}

export interface ResourceHandler<I, O> {
  /** Deadline of create/update/delete in milliseconds (check, diff and read get their own short ones). */
  readonly applyDeadlineMs: number;
  /** Pure: validate, apply defaults; failures name the input path. Must tolerate unknowns (preview). */
  check(olds: Partial<I>, news: Partial<I>): Promise<pulumi.dynamic.CheckResult<I>>;
  /** Pure: what changed and which changes replace. */
  diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: I, ctx: HandlerContext): Promise<pulumi.dynamic.CreateResult<O>>;
  /** Refresh: `{}` (no id) means the resource is gone; `inputs` reflect out-of-band changes. */
  read(id: string, props: O, ctx: HandlerContext): Promise<{ id?: string; props?: O; inputs?: I }>;
  update(id: string, olds: O, news: I, ctx: HandlerContext): Promise<pulumi.dynamic.UpdateResult<O>>;
  delete(id: string, props: O, ctx: HandlerContext): Promise<void>;
}

/** Pulumi's partial-creation error: the resource exists (with `properties`) although create failed. */
export class PartialCreateError extends Error {
  constructor(
    readonly id: string,
    readonly properties: Record<string, unknown>,
    message: string,
    readonly reasons: string[] = [message],
  ) {
    super(message);
  }
}
