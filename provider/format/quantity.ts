/**
 * Kubernetes resource quantities (`1Gi`, `500M`, `1.5Gi`, `2e9`) as exact byte counts, for comparing
 * storage sizes. Pure. The grammar is apimachinery's `resource.Quantity`: a signed decimal number,
 * then a binary suffix (Ki … Ei), a decimal suffix (n u m k M G T P E) or a decimal exponent (e3, E6).
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL_EXPONENT: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/**
 * The quantity in whole units, rounded up (a size of 1.5 bytes needs 2), or undefined when `q` is
 * not a quantity. Exact for any size (bigint): `1Ei` and `1e18` compare correctly.
 */
export function quantityToUnits(q: string): bigint | undefined {
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const [, sign, number, suffix = ""] = m;
  const [whole, frac = ""] = number!.split(".");
  // number = digits × 10^-scale, exactly.
  const digits = BigInt(`${whole || "0"}${frac}`);
  let scale = frac.length;
  let factor = 1n;
  if (suffix in BINARY) factor = BINARY[suffix]!;
  else if (suffix in DECIMAL_EXPONENT) scale -= DECIMAL_EXPONENT[suffix]!;
  else scale -= Number(suffix.slice(1));
  let value = digits * factor;
  if (scale > 0) {
    const div = 10n ** BigInt(scale);
    value = (value + div - 1n) / div; // round up
  } else if (scale < 0) {
    value *= 10n ** BigInt(-scale);
  }
  return sign === "-" ? -value : value;
}

/** The larger of two storage sizes as written (the first when equal or when either is unreadable). */
export function largerQuantity(a: string, b: string): string {
  const [x, y] = [quantityToUnits(a), quantityToUnits(b)];
  return x !== undefined && y !== undefined && y > x ? b : a;
}
