/**
 * Field-level validation helpers shared by every `check`. A `Checker` collects failures as
 * (property path, reason) pairs, the shape Pulumi shows next to the resource, and skips values that
 * are unknown during preview.
 */
import { UNKNOWN } from "../kinds";

export interface CheckFailure {
  property: string;
  reason: string;
}

/** DNS-1123 label: what Kubernetes accepts for namespaces and most names of ours. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain, for object names. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

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
    if (this.present(v) && typeof v !== "boolean") this.fail(property, `must be true or false, got ${JSON.stringify(v)}`);
  }

  /** An integer in [min, max]. */
  integer(property: string, v: unknown, min: number, max: number, unit = ""): boolean {
    if (!this.present(v)) return false;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      this.fail(property, `must be a whole number from ${min} to ${max}${unit ? ` (${unit})` : ""}, got ${JSON.stringify(v)}`);
      return false;
    }
    return true;
  }

  dnsLabel(property: string, v: unknown, what: string): void {
    if (!this.present(v)) return;
    if (typeof v !== "string" || v.length > 63 || !DNS_LABEL.test(v)) {
      this.fail(property, `${what} must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters), got ${JSON.stringify(v)}`);
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
      if (!isLabelKey(k)) this.fail(`${property}.${k}`, `"${k}" is not a valid label key (optional DNS prefix + '/', then at most 63 of [A-Za-z0-9-_.], starting and ending alphanumeric)`);
      if (typeof val !== "string" || !isLabelValue(val)) this.fail(`${property}.${k}`, `${JSON.stringify(val)} is not a valid label value (at most 63 of [A-Za-z0-9-_.], starting and ending alphanumeric, or empty)`);
    }
  }
}

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;

export function isLabelKey(k: string): boolean {
  const slash = k.lastIndexOf("/");
  const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
  const name = slash >= 0 ? k.slice(slash + 1) : k;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length > 0 && name.length <= 63 && LABEL_NAME.test(name);
}

export function isLabelValue(v: string): boolean {
  return v === "" || (v.length <= 63 && LABEL_NAME.test(v));
}
