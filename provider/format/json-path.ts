/** Plain-JSON helpers shared by input diffs (plan/) and drift checks (kube/). Pure. */

/** The value at a dotted path (`spec.template.spec`), or undefined where any step is missing. */
export function valueAt(obj: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/** Canonical JSON (sorted keys) so that key order never counts as a change. */
export function canonical(v: unknown): string {
  return (
    JSON.stringify(v, (_k, val) =>
      val && typeof val === "object" && !Array.isArray(val)
        ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => a.localeCompare(b)))
        : val,
    ) ?? "undefined"
  );
}
