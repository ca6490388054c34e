/** A result as the commands print it: a table for people, CSV, or JSON for machines. */
export interface Table {
  columns: readonly string[];
  rows: readonly (readonly (string | number | null)[])[];
}

export type Format = 'table' | 'csv' | 'json';

export function formatOf(values: { json?: boolean; csv?: boolean }): Format {
  return values.json ? 'json' : values.csv ? 'csv' : 'table';
}

const cell = (value: string | number | null) =>
  value === null
    ? ''
    : typeof value === 'number'
      ? Number.isInteger(value)
        ? value.toLocaleString('en-US')
        : value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
      : value;

/** Columns padded to their widest cell; numbers right-aligned. */
export function renderTable({ columns, rows }: Table): string {
  const text = rows.map((row) => row.map(cell));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((row) => row[i]!.length)));
  // Numbers, and percentages, line up on the right.
  const numeric = columns.map(
    (_, i) => rows.length > 0 && rows.every((row) => row[i] === null || typeof row[i] === 'number' || /^-?[\d.,]+%$/.test(String(row[i]))),
  );
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n') + '\n';
}

const csvField = (value: string | number | null) => {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export function renderCsv({ columns, rows }: Table): string {
  return [columns, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

/**
 * Progress for long runs, on stderr and only when a person watches it (a terminal), so that
 * `--json` and `--csv` on stdout stay clean and pipes and CI logs stay quiet.
 */
export function createProgress(enabled = process.stderr.isTTY === true): (message: string) => void {
  const started = Date.now();
  return (message) => {
    if (enabled) process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
  };
}
