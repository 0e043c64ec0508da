/**
 * Field-level validation helpers shared by every `check`. A `Checker` collects failures as
 * (property path, reason) pairs, the shape Pulumi shows next to the resource, and skips values that
 * are unknown during preview.
 */
import { UNKNOWN } from "../kinds";
import { DNS_LABEL, isLabelKey, isLabelValue } from "../format/names";

export interface CheckFailure {
  property: string;
  reason: string;
}

export class Checker {
  readonly failures: CheckFailure[] = [];

  fail(property: string, reason: string): void {
    this.failures.push({ property, reason });
  }

  /** True when `v` is neither absent nor unknown, i.e. there is something to validate. */
  present(v: unknown): boolean {
    return v !== undefined && v !== null && v !== UNKNOWN;
  }

  /** A required field: reports it when absent. Returns true when it can be validated further. */
  required(property: string, v: unknown, hint: string): boolean {
    if (v === UNKNOWN) return false;
    if (v === undefined || v === null || v === "") {
      this.fail(property, `is required: ${hint}`);
      return false;
    }
    return true;
  }

  oneOf<T extends string>(property: string, v: unknown, allowed: readonly T[]): v is T {
    if (!this.present(v)) return false;
    if (typeof v !== "string" || !allowed.includes(v as T)) {
      this.fail(property, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${JSON.stringify(v)}`);
      return false;
    }
    return true;
  }

  boolean(property: string, v: unknown): void {
    if (this.present(v) && typeof v !== "boolean")
      this.fail(property, `must be true or false, got ${JSON.stringify(v)}`);
  }

  /** An integer in [min, max]. */
  integer(property: string, v: unknown, min: number, max: number, unit = ""): boolean {
    if (!this.present(v)) return false;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      this.fail(
        property,
        `must be a whole number from ${min} to ${max}${unit ? ` (${unit})` : ""}, got ${JSON.stringify(v)}`,
      );
      return false;
    }
    return true;
  }

  dnsLabel(property: string, v: unknown, what: string): void {
    if (!this.present(v)) return;
    if (typeof v !== "string" || v.length > 63 || !DNS_LABEL.test(v)) {
      this.fail(
        property,
        `${what} must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a ` +
          `letter or digit, at most 63 characters), got ${JSON.stringify(v)}`,
      );
    }
  }

  /** A string→string map with Kubernetes label syntax. */
  labels(property: string, v: unknown): void {
    if (!this.present(v)) return;
    if (typeof v !== "object" || Array.isArray(v)) {
      this.fail(property, `must be a map of label keys to values, e.g. { app: "postgres-db" }`);
      return;
    }
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      if (val === UNKNOWN) continue;
      if (!isLabelKey(k))
        this.fail(
          `${property}.${k}`,
          `"${k}" is not a valid label key (optional DNS prefix + '/', then at most 63 of [A-Za-z0-9-_.], ` +
            `starting and ending alphanumeric)`,
        );
      if (typeof val !== "string" || !isLabelValue(val))
        this.fail(
          `${property}.${k}`,
          `${JSON.stringify(val)} is not a valid label value (at most 63 of [A-Za-z0-9-_.], starting and ` +
            `ending alphanumeric, or empty)`,
        );
    }
  }
}

/** `owner` (set by the SDK: a string) and `adopt` (a boolean), common to every resource that records objects. */
export function checkOwnerInputs(c: Checker, n: { owner?: unknown; adopt?: unknown }): void {
  if (c.present(n.owner) && typeof n.owner !== "string")
    c.fail("owner", "must be a string (the SDK sets it to the resource's URN)");
  c.boolean("adopt", n.adopt);
}
