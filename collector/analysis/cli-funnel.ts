import { OUTPUT_OPTIONS, oneOf, parseCommandArgs, parseDate, parseDuration, parseSteps, requireKnownEvents, UsageError } from './args';
import { eventNames } from './events';
import { funnel, type FunnelGroupBy, type FunnelStep } from './funnel';
import { createProgress, formatOf, type Table } from './output';
import { asPercent, print, round, withData, writeReport } from './workspace';

const HELP = `Usage: touchpoint funnel --steps "A,B,C" [--within 7d] [--by channel|platform|first_touch]
                        [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--data DIR] [--json | --csv] [--html FILE]

An ordered funnel over stitched persons. Any event of step 1 starts an attempt; each later step is the
earliest matching event strictly after the previous step and at most --within after the step-1 event.
--from/--to (UTC dates, inclusive) bound the step-1 events.
`;

export async function run(argv: string[]): Promise<void> {
  const values = parseCommandArgs(argv, {
    ...OUTPUT_OPTIONS,
    steps: { type: 'string' },
    within: { type: 'string', default: '7d' },
    by: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    html: { type: 'string' },
  });
  if (values.help) return void process.stdout.write(HELP);
  if (values.steps === undefined) throw new UsageError('--steps is required, e.g. --steps "Product Viewed,Product Added,Order Completed"');
  const steps = parseSteps(values.steps);
  const windowSeconds = parseDuration(values.within, '--within');
  const by = values.by === undefined ? undefined : oneOf<FunnelGroupBy>(values.by, ['channel', 'platform', 'first_touch'], '--by');
  const from = values.from === undefined ? undefined : parseDate(values.from, '--from');
  const to = values.to === undefined ? undefined : parseDate(values.to, '--to') + 86_400_000;
  if (from !== undefined && to !== undefined && to <= from) throw new UsageError('--to must not be before --from');
  const format = formatOf(values);

  const result = await withData(values.data, { persons: true, progress: createProgress() }, async ({ engine, progress }) => {
    requireKnownEvents(steps, await eventNames(engine));
    progress('counting the funnel');
    return funnel(engine, { steps, windowSeconds, by, from, to });
  });

  const rows = (steps: FunnelStep[], group?: string) =>
    steps.map((s, i) => [
      ...(group === undefined ? [] : [group]),
      i + 1,
      s.event,
      s.persons,
      format === 'table' ? asPercent(s.conversion) : round(s.conversion, 6),
      s.dropOff,
      s.medianSeconds === null ? null : round(s.medianSeconds, 3),
    ]);
  const columns = ['step', 'event', 'persons', 'conversion', 'drop-off', 'median s from previous'];
  const tables: Table[] = [{ columns, rows: rows(result.steps) }];
  if (result.groups) tables.push({ columns: [by!, ...columns], rows: result.groups.flatMap((g) => rows(g.steps, g.group)) });
  const json = (list: FunnelStep[]) =>
    list.map((s) => ({ event: s.event, persons: s.persons, conversion: s.conversion, dropOff: s.dropOff, medianSeconds: s.medianSeconds }));
  print(format, format === 'csv' && result.groups ? tables[1]! : tables, {
    steps: json(result.steps),
    ...(result.groups && { groups: result.groups.map((g) => ({ group: g.group, steps: json(g.steps) })) }),
  });
  await writeReport(values.html, {
    title: 'Touchpoint funnel',
    subtitle: `${steps.join(' → ')} within ${values.within}${by ? `, by ${by}` : ''}${values.from ? ` from ${values.from}` : ''}${values.to ? ` to ${values.to}` : ''}`,
    funnel: result,
  });
}
