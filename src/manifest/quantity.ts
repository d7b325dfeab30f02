// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): `128Mi`, `1G`, `500m`,
// `1e3`. podrun uses them for byte sizes (emptyDir sizeLimit), so the result is whole bytes,
// rounded up as Kubernetes rounds a fractional byte count up.

const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

export type QuantityResult = { ok: true; value: number } | { ok: false; reason: string };

/** Parses a quantity into a number (bytes when used for sizes). Negative values are refused. */
export function parseQuantity(input: string | number): QuantityResult {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, reason: 'not a finite number' };
    if (input < 0) return { ok: false, reason: 'must not be negative' };
    return { ok: true, value: Math.ceil(input) };
  }
  const m = QUANTITY.exec(input);
  if (!m) return { ok: false, reason: `"${input}" is not a quantity` };
  const [, num, suffix] = m;
  if (!/^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(num)) return { ok: false, reason: `"${input}" is not a quantity` };
  let factor: number;
  if (suffix in BINARY) factor = BINARY[suffix];
  else if (suffix in DECIMAL) factor = DECIMAL[suffix];
  else if (/^[eE][-+]?[0-9]+$/.test(suffix)) factor = 10 ** Number(suffix.slice(1));
  else return { ok: false, reason: `"${input}" has an unknown suffix "${suffix}"` };
  const value = Number(num) * factor;
  if (value < 0) return { ok: false, reason: 'must not be negative' };
  if (!Number.isFinite(value) || value > Number.MAX_SAFE_INTEGER) return { ok: false, reason: `"${input}" is too large` };
  return { ok: true, value: Math.ceil(value) };
}
