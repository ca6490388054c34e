import { OUTPUT_OPTIONS, oneOf, parseCommandArgs, parseDuration, requireKnownEvents } from './args';
import { attribution, type AttributionKey, type AttributionModel } from './attribution';
import { eventNames } from './events';
import { createProgress, formatOf } from './output';
import { print, round, withData, writeReport } from './workspace';

const HELP = `Usage: touchpoint attribution [--conversion "Order Completed"] [--model first|last|linear|position]
                             [--by channel|source|campaign] [--lookback 30d] [--data DIR] [--json | --csv] [--html FILE]

Conversions and revenue (properties.revenue) per key. A conversion's touches are the person's landings
(page views, mini-program launches and shows) strictly before it and within the lookback.
first: the earliest touch; last: the latest touch that is not (direct); linear: equal shares;
position: 40% first, 40% last, 20% shared by the others (one touch: all; two: half each).
`;

export async function run(argv: string[]): Promise<void> {
  const values = parseCommandArgs(argv, {
    ...OUTPUT_OPTIONS,
    conversion: { type: 'string', default: 'Order Completed' },
    model: { type: 'string', default: 'last' },
    by: { type: 'string', default: 'campaign' },
    lookback: { type: 'string', default: '30d' },
    html: { type: 'string' },
  });
  if (values.help) return void process.stdout.write(HELP);
  const model = oneOf<AttributionModel>(values.model, ['first', 'last', 'linear', 'position'], '--model');
  const by = oneOf<AttributionKey>(values.by, ['channel', 'source', 'campaign'], '--by');
  const lookbackSeconds = parseDuration(values.lookback, '--lookback');
  const format = formatOf(values);

  const rows = await withData(values.data, { persons: true, progress: createProgress() }, async ({ engine, progress }) => {
    requireKnownEvents([values.conversion], await eventNames(engine));
    progress('crediting conversions');
    return attribution(engine, { conversion: values.conversion, model, by, lookbackSeconds });
  });
  print(format, { columns: [by, 'conversions', 'revenue'], rows: rows.map((r) => [r.key, round(r.conversions, 4), round(r.revenue, 2)]) }, { rows });
  await writeReport(values.html, {
    title: 'Touchpoint attribution',
    subtitle: `"${values.conversion}", ${model} touch, by ${by}, lookback ${values.lookback}`,
    attribution: { rows, by, model },
  });
}
