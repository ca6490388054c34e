import { OUTPUT_OPTIONS, parseCommandArgs, positiveInteger } from './args';
import { createProgress, formatOf } from './output';
import { DEFAULT_MAX_IDS, saveMapping, stitch } from './stitch';
import { print, withData } from './workspace';

const HELP = `Usage: touchpoint stitch [--max-ids ${DEFAULT_MAX_IDS}] [--data DIR] [--json | --csv]

The identity graph (OneID): anonymous ids, user ids, aliases, the collector's device id, hashed
e-mails and phones, openid and unionid are linked by the events that carry them; each connected
component is one person. An identifier linked to more than --max-ids others is reported and not
used to merge. Writes DIR/lake/persons/persons.parquet (identifier, person_id).
`;

export async function run(argv: string[]): Promise<void> {
  const values = parseCommandArgs(argv, { ...OUTPUT_OPTIONS, 'max-ids': { type: 'string', default: String(DEFAULT_MAX_IDS) } });
  if (values.help) return void process.stdout.write(HELP);
  const maxIds = positiveInteger(values['max-ids'], '--max-ids', 1_000_000);
  const format = formatOf(values);
  const result = await withData(values.data, { persons: false, progress: createProgress() }, async ({ engine, sources, progress }) => {
    const stitched = await stitch(engine, { maxIds, progress });
    await saveMapping(engine, sources, stitched, maxIds);
    return stitched;
  });
  const summary = {
    columns: ['persons', 'identifiers', 'merged', 'suspicious'],
    rows: [[result.persons, result.identifiers, result.merged, result.suspicious.length]],
  };
  const suspicious = { columns: ['suspicious identifier (not used to merge)', 'linked to'], rows: result.suspicious.map((s) => [s.identifier, s.linked]) };
  print(format, format === 'csv' ? suspicious : result.suspicious.length ? [summary, suspicious] : summary, result);
}
