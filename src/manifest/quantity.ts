// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource, quantity.go): `128Mi`,
// `1G`, `500m`, `1e3`, `0.5`. Exact, as Kubernetes is (inf.Dec there, a BigInt of nano-units
// here: every value is rounded up to 1n when parsed, kubelet-resources.md Q1.4), with its error
// strings (Q1.2) and its integer readers: Value() = ceil, MilliValue() = ceil(x 1000) (Q1.7).
// Canonical printing follows Q1.8 (the largest suffix that loses nothing).

export type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

export interface Quantity {
  /** The value in units of 10^-9, rounded up (away from zero). */
  nanos: bigint;
  format: QuantityFormat;
}

export type QuantityParse = { ok: true; q: Quantity } | { ok: false; reason: string };
export type QuantityResult = { ok: true; value: number } | { ok: false; reason: string };

export const ERR_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const ERR_SUFFIX = "unable to parse quantity's suffix";

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const SUFFIX_LETTERS = 'eEinumkKMGTP';
/** Past this an exponent only makes the value 1n or too large to use; it also bounds the BigInt. */
const MAX_EXPONENT = 400;
const NANO = 10n ** 9n;
/** BinarySI values are capped at 2^63-1 (Q1.4). */
const BINARY_CAP = (2n ** 63n - 1n) * NANO;

const ceilDiv = (a: bigint, b: bigint) => (a >= 0n ? (a + b - 1n) / b : a / b); // b > 0; away from zero for a >= 0
const pow10 = (e: number) => 10n ** BigInt(e);

/**
 * Parses a quantity as ParseQuantity does, after UnmarshalJSON's trim (Q1.3): a YAML number is
 * parsed from its text. A sign is accepted here; validation refuses negative resources.
 */
export function parseQuantityExact(input: string | number): QuantityParse {
  if (typeof input === 'number' && !Number.isFinite(input)) return { ok: false, reason: ERR_FORMAT };
  const s = (typeof input === 'number' ? String(input) : input).trim();
  if (s === '') return { ok: false, reason: ERR_FORMAT };
  let i = 0;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-';
  const intStart = i;
  while (i < s.length && s[i] >= '0' && s[i] <= '9') i++;
  const whole = s.slice(intStart, i);
  let frac = '';
  if (s[i] === '.') {
    const f = ++i;
    while (i < s.length && s[i] >= '0' && s[i] <= '9') i++;
    frac = s.slice(f, i);
  } else if (whole === '') return { ok: false, reason: ERR_FORMAT };
  const sufStart = i;
  while (i < s.length && SUFFIX_LETTERS.includes(s[i])) i++;
  const letters = s.slice(sufStart, i);
  if (s[i] === '+' || s[i] === '-') i++;
  while (i < s.length && s[i] >= '0' && s[i] <= '9') i++;
  if (i !== s.length) return { ok: false, reason: ERR_FORMAT };
  const suffix = s.slice(sufStart);

  let format: QuantityFormat;
  let exp10 = 0;
  let exp2 = 0;
  if (suffix in BINARY) {
    format = 'BinarySI';
    exp2 = BINARY[suffix];
  } else if (suffix in DECIMAL) {
    format = 'DecimalSI';
    exp10 = DECIMAL[suffix];
  } else if ((letters === 'e' || letters === 'E') && /^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    const e = Number(suffix.slice(1));
    exp10 = Math.max(-MAX_EXPONENT, Math.min(MAX_EXPONENT, e));
  } else return { ok: false, reason: ERR_SUFFIX };

  // value = digits / 10^len(frac) * 2^exp2 * 10^exp10, in nano-units, rounded up.
  const digits = BigInt((whole + frac).replace(/^0+(?=.)/, '') || '0');
  let num = digits * 2n ** BigInt(exp2);
  let den = pow10(frac.length);
  const shift = 9 + exp10;
  if (shift >= 0) num *= pow10(shift);
  else den *= pow10(-shift);
  let nanos = ceilDiv(num, den);
  if (format === 'BinarySI') {
    if (nanos > BINARY_CAP) nanos = BINARY_CAP;
    if (nanos > 0n && nanos < NANO) format = 'DecimalSI';
  }
  return { ok: true, q: { nanos: negative ? -nanos : nanos, format } };
}

/** Value(): whole units, rounded up (bytes for memory). */
export const quantityValue = (q: Quantity): bigint => ceilDiv(q.nanos, NANO);
/** MilliValue(): thousandths, rounded up (millicores for cpu). */
export const quantityMilli = (q: Quantity): bigint => ceilDiv(q.nanos, 10n ** 6n);

/**
 * The canonical text (String(), Q1.8): for BinarySI a whole multiple of 1024 takes the largest
 * binary suffix that divides it (below 1024, or with a fraction, it prints as DecimalSI); else
 * the exponent is made a multiple of 3 that emits no fraction, with the SI suffix or `e<exp>`.
 */
export function formatQuantity(q: Quantity): string {
  const sign = q.nanos < 0n ? '-' : '';
  const n = q.nanos < 0n ? -q.nanos : q.nanos;
  if (n === 0n) return '0';
  if (q.format === 'BinarySI' && n % NANO === 0n && n >= 1024n * NANO) {
    let v = n / NANO;
    let k = 0;
    while (k < 6 && v % 1024n === 0n) {
      v /= 1024n;
      k++;
    }
    return `${sign}${v}${['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'][k]}`;
  }
  // n * 10^-9 = m * 10^e with e a multiple of 3 and m whole, e as large as possible (at most 18 for SI).
  let m = n;
  let e = -9;
  const maxE = q.format === 'DecimalExponent' ? Infinity : 18;
  while (e + 3 <= maxE && m % 1000n === 0n) {
    m /= 1000n;
    e += 3;
  }
  if (q.format === 'DecimalExponent') return `${sign}${m}${e === 0 ? '' : `e${e}`}`;
  const si: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
  return `${sign}${m}${si[e]}`;
}

/**
 * Whole units (bytes for sizes) as a number, for sizes such as emptyDir's sizeLimit: negative
 * values are refused, as are values past 2^53 (no memory or disk size is that large).
 */
export function parseQuantity(input: string | number): QuantityResult {
  const p = parseQuantityExact(input);
  if (!p.ok) return p;
  if (p.q.nanos < 0n) return { ok: false, reason: 'must be greater than or equal to 0' };
  const v = quantityValue(p.q);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: `${formatQuantity(p.q)} is too large` };
  return { ok: true, value: Number(v) };
}
