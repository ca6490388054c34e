import { OUTPUT_OPTIONS, oneOf, parseCommandArgs, parseDuration } from './args';
import { createProgress, formatOf } from './output';
import { sessions } from './sessions';
import { asPercent, print, round, withData } from './workspace';

const HELP = `Usage: touchpoint sessions [--by channel|campaign] [--gap 30m] [--data DIR] [--json | --csv]

Visits of stitched persons, cut at every pause longer than --gap: per channel (the collector's channel
of the visit's first event) or campaign key (of its first landing), the sessions, persons, median
duration, page views per session and bounce rate (sessions with at most one interaction).
`;

export async function run(argv: string[]): Promise<void> {
  const values = parseCommandArgs(argv, { ...OUTPUT_OPTIONS, by: { type: 'string', default: 'channel' }, gap: { type: 'string', default: '30m' } });
  if (values.help) return void process.stdout.write(HELP);
  const by = oneOf(values.by, ['channel', 'campaign'] as const, '--by');
  const gapSeconds = parseDuration(values.gap, '--gap');
  const format = formatOf(values);
  const rows = await withData(values.data, { persons: true, progress: createProgress() }, ({ engine }) => sessions(engine, { gapSeconds, by }));
  print(
    format,
    {
      columns: [by, 'sessions', 'persons', 'median duration s', 'pages per session', 'bounce rate'],
      rows: rows.map((r) => [
        r.key,
        r.sessions,
        r.persons,
        round(r.medianSeconds, 1),
        round(r.pagesPerSession, 2),
        format === 'table' ? asPercent(r.bounceRate) : round(r.bounceRate, 4),
      ]),
    },
    { rows },
  );
}
