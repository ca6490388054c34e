import { dataFolder, OUTPUT_OPTIONS, parseCommandArgs, parseDuration } from './args';
import { compact } from './compact';
import { openEngine } from './engine';
import { createProgress, formatOf } from './output';
import { print } from './workspace';

const HELP = `Usage: touchpoint compact [--sealed-after 1h] [--data DIR] [--json]

Turns the collector's NDJSON parts (DIR/events/date=YYYY-MM-DD/) into Parquet in the same layout
(DIR/lake/events/date=YYYY-MM-DD/), de-duplicated by messageId. Incremental: a part already compacted
is not read again; a part the collector may still be writing (opened less than --sealed-after ago,
the NDJSON sink's rotateSeconds) is left for a later run.
`;

export async function run(argv: string[]): Promise<void> {
  const values = parseCommandArgs(argv, { ...OUTPUT_OPTIONS, 'sealed-after': { type: 'string', default: '1h' } });
  if (values.help) return void process.stdout.write(HELP);
  const sealedAfterSeconds = parseDuration(values['sealed-after'], '--sealed-after');
  const data = dataFolder(values.data);
  const engine = await openEngine();
  try {
    const result = await compact(engine, { data, sealedAfterSeconds, progress: createProgress() });
    const { files, ...counts } = result;
    print(
      formatOf(values),
      {
        columns: ['parts compacted', 'events read', 'rows written', 'duplicates dropped', 'parts left open'],
        rows: [[counts.parts, counts.read, counts.written, counts.duplicates, counts.open]],
      },
      { ...counts, files },
    );
  } finally {
    engine.close();
  }
}
