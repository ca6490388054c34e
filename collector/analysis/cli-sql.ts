import { oneOf, parseDate, parseDuration, parseSteps, parseWithPositionals, positiveInteger, UsageError } from './args';
import type { AttributionKey, AttributionModel } from './attribution';
import { DEFAULT_MAX_IDS } from './stitch';
import { attributionSql, funnelSql, stitchSql, type Target } from './warehouse';

const HELP = `Usage: touchpoint sql --target clickhouse|postgres <stitch|funnel|attribution> [options]

Prints the model as SQL for the warehouse, over the table the sink writes (--table, default
touchpoint_events). Run stitch first: it creates <prefix>persons, which the others join.
  stitch       [--max-ids ${DEFAULT_MAX_IDS}] [--rounds 12]    (ClickHouse has no loops: rounds of label propagation)
  funnel       --steps "A,B,C" [--within 7d] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
  attribution  [--conversion "Order Completed"] [--model first|last|linear|position] [--by campaign|channel|source] [--lookback 30d]
Common: [--table touchpoint_events] [--prefix tp_]
`;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseWithPositionals(
    argv,
    {
      help: { type: 'boolean', short: 'h', default: false },
      target: { type: 'string' },
      table: { type: 'string', default: 'touchpoint_events' },
      prefix: { type: 'string', default: 'tp_' },
      'max-ids': { type: 'string', default: String(DEFAULT_MAX_IDS) },
      rounds: { type: 'string', default: '12' },
      steps: { type: 'string' },
      within: { type: 'string', default: '7d' },
      from: { type: 'string' },
      to: { type: 'string' },
      conversion: { type: 'string', default: 'Order Completed' },
      model: { type: 'string', default: 'last' },
      by: { type: 'string', default: 'campaign' },
      lookback: { type: 'string', default: '30d' },
    },
    1,
  );
  if (values.help) return void process.stdout.write(HELP);
  if (values.target === undefined) throw new UsageError('--target is required: clickhouse or postgres');
  const target = oneOf<Target>(values.target, ['clickhouse', 'postgres'], '--target');
  const model = oneOf(positionals[0] ?? '', ['stitch', 'funnel', 'attribution'] as const, 'the model');
  // Names go into the SQL text as they are: only plain identifiers.
  if (!IDENTIFIER.test(values.table))
    throw new UsageError(`--table must be a table name (letters, digits, _; optionally database.table), got "${values.table}"`);
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,30}$/.test(values.prefix)) throw new UsageError(`--prefix must be letters, digits and _, got "${values.prefix}"`);
  const common = { table: values.table, prefix: values.prefix };

  let sql: string;
  if (model === 'stitch') {
    sql = stitchSql(target, {
      ...common,
      maxIds: positiveInteger(values['max-ids'], '--max-ids', 1_000_000),
      rounds: positiveInteger(values.rounds, '--rounds', 100),
    });
  } else if (model === 'funnel') {
    if (values.steps === undefined) throw new UsageError('--steps is required for the funnel, e.g. --steps "Product Viewed,Order Completed"');
    const from = values.from === undefined ? undefined : parseDate(values.from, '--from');
    const to = values.to === undefined ? undefined : parseDate(values.to, '--to') + 86_400_000;
    sql = funnelSql(target, { ...common, steps: parseSteps(values.steps), windowSeconds: parseDuration(values.within, '--within'), from, to });
  } else {
    sql = attributionSql(target, {
      ...common,
      conversion: values.conversion,
      model: oneOf<AttributionModel>(values.model, ['first', 'last', 'linear', 'position'], '--model'),
      by: oneOf<AttributionKey>(values.by, ['campaign', 'channel', 'source'], '--by'),
      lookbackSeconds: parseDuration(values.lookback, '--lookback'),
    });
  }
  process.stdout.write(sql.endsWith('\n') ? sql : `${sql};\n`);
}
