import { OUTPUT_OPTIONS, parseCommandArgs, parseDate, requireKnownEvents } from './args';
import { eventNames } from './events';
import { createProgress, formatOf } from './output';
import { rfm } from './rfm';
import { asPercent, print, round, withData, writeReport } from './workspace';

const HELP = `Usage: touchpoint rfm [--conversion "Order Completed"] [--as-of YYYY-MM-DD] [--persons]
                     [--data DIR] [--json | --csv] [--html FILE]

Recency, frequency and monetary value (properties.revenue) of each stitched person's orders, scored
1 to 5 by rank (5 = most recent, most frequent, most spent) and grouped into the classic segments
(Champions, Loyal Customers, ..., Hibernating). Recency counts to the end of --as-of (default: the
last day with data). --persons lists every customer instead of the segments.
`;

export async function run(argv: string[]): Promise<void> {
  const values = parseCommandArgs(argv, {
    ...OUTPUT_OPTIONS,
    conversion: { type: 'string', default: 'Order Completed' },
    'as-of': { type: 'string' },
    persons: { type: 'boolean', default: false },
    html: { type: 'string' },
  });
  if (values.help) return void process.stdout.write(HELP);
  const asOf = values['as-of'] === undefined ? undefined : parseDate(values['as-of'], '--as-of') + 86_400_000;
  const format = formatOf(values);
  const result = await withData(values.data, { persons: true, progress: createProgress() }, async ({ engine }) => {
    requireKnownEvents([values.conversion], await eventNames(engine));
    return rfm(engine, { conversion: values.conversion, asOf });
  });
  if (values.persons) {
    print(
      format,
      {
        columns: ['person_id', 'recency days', 'orders', 'revenue', 'R', 'F', 'M', 'segment'],
        rows: result.persons.map((p) => [p.person_id, round(p.recencyDays, 2), p.orders, round(p.revenue, 2), p.r, p.f, p.m, p.segment]),
      },
      { asOf: result.asOf, persons: result.persons },
    );
  } else {
    print(
      format,
      {
        columns: ['segment', 'customers', 'share', 'avg recency days', 'avg orders', 'revenue'],
        rows: result.segments.map((s) => [
          s.segment,
          s.customers,
          format === 'table' ? asPercent(s.share) : round(s.share, 4),
          round(s.recencyDays, 1),
          round(s.orders, 2),
          round(s.revenue, 2),
        ]),
      },
      { asOf: result.asOf, customers: result.customers, segments: result.segments, grid: result.grid },
    );
  }
  await writeReport(values.html, { title: 'Touchpoint RFM', subtitle: `"${values.conversion}" as of ${result.asOf.slice(0, 10)}`, rfm: result });
}
