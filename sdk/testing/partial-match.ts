/** One place where an event differs from what was expected. */
export interface Difference {
  /** Dotted path from the event's root, e.g. `properties.products.0.price`. */
  path: string;
  expected: unknown;
  actual: unknown;
}

/** Playwright's and Jest's `expect.any(Number)`, `expect.stringContaining(...)` and the like. */
interface AsymmetricMatcher {
  asymmetricMatch(other: unknown): boolean;
  toAsymmetricMatcher?(): string;
}

const isAsymmetric = (value: unknown): value is AsymmetricMatcher =>
  typeof value === 'object' && value !== null && typeof (value as AsymmetricMatcher).asymmetricMatch === 'function';

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Where `actual` fails to match `expected`, partially and deeply: every key of an expected object
 * must match (others may be there too); arrays match element by element and must be as long;
 * a RegExp matches strings; asymmetric matchers decide for themselves; the rest compares with
 * `Object.is`. An empty list means a match.
 */
export function partialDiff(actual: unknown, expected: unknown, path = ''): Difference[] {
  const here = (): Difference[] => [{ path: path || '(root)', expected, actual }];
  if (isAsymmetric(expected)) return expected.asymmetricMatch(actual) ? [] : here();
  if (expected instanceof RegExp) {
    return typeof actual === 'string' ? (new RegExp(expected.source, expected.flags).test(actual) ? [] : here()) : here();
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return here();
    return expected.flatMap((item, i) => partialDiff(actual[i], item, join(path, String(i))));
  }
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return here();
    return Object.keys(expected).flatMap((key) => partialDiff(actual[key], expected[key], join(path, key)));
  }
  return Object.is(actual, expected) ? [] : here();
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** A short, single-line rendering of a value for failure messages. */
export function preview(value: unknown, max = 80): string {
  if (isAsymmetric(value)) return value.toAsymmetricMatcher?.() ?? String(value);
  if (value instanceof RegExp) return String(value);
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `properties.revenue: expected 99, received 113.5` */
export function describeDifference({ path, expected, actual }: Difference): string {
  return `${path}: expected ${preview(expected)}, received ${actual === undefined ? '(missing)' : preview(actual)}`;
}
