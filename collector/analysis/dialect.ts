import type { IdentityDialect } from './identity';

/** The SQL that differs between the engines the analysis runs on. */
export interface SqlDialect extends IdentityDialect {
  name: 'duckdb' | 'clickhouse' | 'postgres';
  /** A string literal (ClickHouse reads backslashes in literals as escapes; the others do not). */
  literal(text: string): string;
  /** Whether `expr` matches the (RE2/POSIX-compatible) regular expression. */
  matches(expr: string, pattern: string): string;
  /** The first group the pattern captures in `expr`, or '' (never NULL). */
  extract(expr: string, pattern: string): string;
  /** Integer division, rounding toward zero. */
  intDiv(a: string, b: string): string;
}

const standardLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

export const duckdb: SqlDialect = {
  name: 'duckdb',
  literal: standardLiteral,
  matches: (expr, pattern) => `regexp_matches(${expr}, ${standardLiteral(pattern)})`,
  extract: (expr, pattern) => `regexp_extract(${expr}, ${standardLiteral(pattern)}, 1)`,
  intDiv: (a, b) => `(${a}) // (${b})`,
  normalise: (expr) => `lower(trim(${expr}))`,
  concat: (...parts) => parts.join(' || '),
};

export const clickhouse: SqlDialect = {
  name: 'clickhouse',
  literal: (text) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`,
  matches: (expr, pattern) => `match(${expr}, ${clickhouse.literal(pattern)})`,
  extract: (expr, pattern) => `extract(${expr}, ${clickhouse.literal(pattern)})`,
  intDiv: (a, b) => `intDiv(${a}, ${b})`,
  // 18.16 has no trim function
  normalise: (expr) => `lower(replaceRegexpAll(${expr}, '^\\s+|\\s+$', ''))`,
  concat: (...parts) => `concat(${parts.join(', ')})`,
};

export const postgres: SqlDialect = {
  name: 'postgres',
  literal: standardLiteral,
  matches: (expr, pattern) => `(${expr} ~ ${standardLiteral(pattern)})`,
  extract: (expr, pattern) => `coalesce(substring(${expr} from ${standardLiteral(pattern)}), '')`,
  intDiv: (a, b) => `div(${a}, ${b})::bigint`,
  normalise: (expr) => `lower(trim(${expr}))`,
  concat: (...parts) => parts.join(' || '),
};
