import { duckdb } from './dialect';
import type { Engine } from './engine';
import { sqlString } from './engine';
import { keyIdentifier, type IdentifierColumn } from './identity';
import { lakePaths, listLakeFiles, listParts, readManifest, type LakePaths, type Part } from './lake';

/**
 * The fields the collector writes, as read from NDJSON. Declared rather than inferred, so every
 * part reads the same way whatever its first lines hold; the objects stay JSON.
 */
const NDJSON_COLUMNS: Record<string, string> = {
  messageId: 'VARCHAR',
  source: 'VARCHAR',
  type: 'VARCHAR',
  event: 'VARCHAR',
  name: 'VARCHAR',
  anonymousId: 'VARCHAR',
  userId: 'VARCHAR',
  previousId: 'VARCHAR',
  groupId: 'VARCHAR',
  timestamp: 'VARCHAR',
  originalTimestamp: 'VARCHAR',
  sentAt: 'VARCHAR',
  receivedAt: 'VARCHAR',
  properties: 'JSON',
  traits: 'JSON',
  context: 'JSON',
};

const urlParameter = (url: string, key: string) => `nullif(url_decode(replace(regexp_extract(${url}, '[?&]${key}=([^&#]*)', 1), '+', ' ')), '')`;

/** Paths read from `context` and `traits`, each object parsed once for all of them (one list extract). */
const CONTEXT_PATHS = [
  'device.id',
  'page.url',
  'page.referrer',
  'campaign.name',
  'miniprogram.query.utm_campaign',
  'channel.group',
  'channel.source',
  'channel.medium',
  'miniprogram.platform',
  'miniprogram.query',
] as const;
const TRAIT_PATHS = ['email', 'phone', 'openid', 'unionid'] as const;
const fromContext = (path: (typeof CONTEXT_PATHS)[number]) => `_context[${CONTEXT_PATHS.indexOf(path) + 1}]`;
const fromTraits = (path: (typeof TRAIT_PATHS)[number]) => `_traits[${TRAIT_PATHS.indexOf(path) + 1}]`;
const pathList = (paths: readonly string[]) => `[${paths.map((p) => `'$.${p}'`).join(', ')}]`;

/** The identifier columns as read from NDJSON, for the person key. */
const NDJSON_IDENTIFIERS: Record<IdentifierColumn, string> = {
  type: 'type',
  user_id: 'userId',
  anonymous_id: 'anonymousId',
  previous_id: 'previousId',
  device_id: fromContext('device.id'),
  email: fromTraits('email'),
  phone: fromTraits('phone'),
  unionid: fromTraits('unionid'),
  openid: fromTraits('openid'),
};

/**
 * The lake's columns, from the NDJSON fields: Segment's fields in snake_case with typed times
 * (TIMESTAMPTZ, UTC), the objects as JSON, and — like Snowplow's atomic events — the few fields
 * the analysis reads most, flattened so that no engine has to parse JSON for them.
 */
const LAKE_COLUMNS: [string, string][] = [
  ['message_id', 'messageId'],
  ['source', 'source'],
  ['type', 'type'],
  ['event', 'coalesce(event, name)'],
  ['anonymous_id', 'anonymousId'],
  ['user_id', 'userId'],
  ['previous_id', 'previousId'],
  ['group_id', 'groupId'],
  ['timestamp', 'TRY_CAST(timestamp AS TIMESTAMPTZ)'],
  ['original_timestamp', 'TRY_CAST(originalTimestamp AS TIMESTAMPTZ)'],
  ['sent_at', 'TRY_CAST(sentAt AS TIMESTAMPTZ)'],
  ['received_at', 'TRY_CAST(receivedAt AS TIMESTAMPTZ)'],
  ['properties', 'properties'],
  ['traits', 'traits'],
  ['context', 'context'],
  ['device_id', fromContext('device.id')],
  ['email', fromTraits('email')],
  ['phone', fromTraits('phone')],
  ['openid', fromTraits('openid')],
  ['unionid', fromTraits('unionid')],
  ['page_url', fromContext('page.url')],
  ['page_referrer', fromContext('page.referrer')],
  [
    'campaign',
    `coalesce(nullif(${fromContext('campaign.name')}, ''), ${urlParameter(fromContext('page.url'), 'utm_campaign')}, nullif(${fromContext('miniprogram.query.utm_campaign')}, ''))`,
  ],
  ['channel_group', fromContext('channel.group')],
  ['channel_source', fromContext('channel.source')],
  ['channel_medium', fromContext('channel.medium')],
  ['platform', fromContext('miniprogram.platform')],
  /** The launch query's JSON text. */
  ['miniprogram_query', fromContext('miniprogram.query')],
  ['revenue', `TRY_CAST(properties->>'$.revenue' AS DOUBLE)`],
  /**
   * The event's strongest identifier (`identity.ts`), its key into the person mapping: computed
   * once here rather than per event by every command that joins persons.
   */
  ['person_key', keyIdentifier(duckdb, (name) => NDJSON_IDENTIFIERS[name])],
];

export const LAKE_COLUMN_NAMES = LAKE_COLUMNS.map(([name]) => name);

/**
 * NDJSON files as lake rows; `withOrigin` adds the `filename` each came from and its partition's `date`.
 * `ignore_errors`: a torn last line (a crash mid-write) is skipped, not fatal.
 */
export function ndjsonRows(files: readonly string[], { withOrigin = false } = {}): string {
  const columns = Object.entries(NDJSON_COLUMNS)
    .map(([k, v]) => `${k}: '${v}'`)
    .join(', ');
  const origin = withOrigin ? `filename, regexp_extract(filename, 'date=(\\d{4}-\\d{2}-\\d{2})', 1) AS date, ` : '';
  return `SELECT ${origin}${LAKE_COLUMNS.map(([name, expr]) => `${expr} AS ${name}`).join(', ')}
    FROM (SELECT *, context->>${pathList(CONTEXT_PATHS)} AS _context, traits->>${pathList(TRAIT_PATHS)} AS _traits
      FROM read_json([${files.map(sqlString).join(', ')}], format = 'newline_delimited', columns = {${columns}},
        ignore_errors = true, maximum_object_size = 67108864${withOrigin ? ', filename = true' : ''}))
    WHERE messageId IS NOT NULL AND type IS NOT NULL`;
}

/** The key de-duplication uses: a message id is unique per source (contract 1; `source` may be missing in old data). */
export const DEDUP_KEY = `coalesce(source, ''), message_id`;

/** One row per (source, message id): the first received. */
export const firstOfEach = (relation: string) =>
  `SELECT * FROM (${relation}) QUALIFY row_number() OVER (PARTITION BY ${DEDUP_KEY} ORDER BY received_at, timestamp) = 1`;

const typeOf = (name: string) =>
  name === 'revenue'
    ? 'DOUBLE'
    : /^(timestamp|original_timestamp|sent_at|received_at)$/.test(name)
      ? 'TIMESTAMPTZ'
      : /^(properties|traits|context)$/.test(name)
        ? 'JSON'
        : 'VARCHAR';
const EMPTY = `SELECT ${LAKE_COLUMNS.map(([name]) => `NULL::${typeOf(name)} AS ${name}`).join(', ')} WHERE false`;

export interface EventSources {
  paths: LakePaths;
  lakeFiles: string[];
  /** NDJSON parts not yet compacted, read directly. */
  freshParts: Part[];
}

/** What the data folder holds now: the lake and the parts compaction has not taken yet. */
export async function eventSources(data: string): Promise<EventSources> {
  const paths = lakePaths(data);
  const manifest = await readManifest(paths);
  const freshParts = (await listParts(paths)).filter((part) => !manifest.parts[part.key]);
  return { paths, lakeFiles: await listLakeFiles(paths), freshParts };
}

/**
 * Defines the view `events`: the lake plus the parts not yet compacted, so every answer is
 * current. The lake is de-duplicated when compacted; fresh rows are de-duplicated among
 * themselves and against the lake (the collector's de-dup window is 24 h; a backfill has none).
 */
export async function defineEvents(engine: Engine, sources: EventSources): Promise<void> {
  const lake = sources.lakeFiles.length ? `SELECT ${LAKE_COLUMN_NAMES.join(', ')} FROM read_parquet([${sources.lakeFiles.map(sqlString).join(', ')}])` : EMPTY;
  await engine.run(`CREATE OR REPLACE TEMP VIEW lake_events AS ${lake}`);
  if (sources.freshParts.length === 0) {
    await engine.run(`CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM lake_events`);
    return;
  }
  await engine.run(`CREATE OR REPLACE TEMP TABLE fresh_events AS
    SELECT f.* FROM (${firstOfEach(ndjsonRows(sources.freshParts.map((p) => p.path)))}) f
    ANTI JOIN lake_events l ON coalesce(l.source, '') = coalesce(f.source, '') AND l.message_id = f.message_id`);
  await engine.run(`CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM lake_events UNION ALL SELECT * FROM fresh_events`);
}

/** Opens the data folder's events in the engine: `defineEvents` over what is there now. */
export async function openEvents(engine: Engine, data: string): Promise<EventSources> {
  const sources = await eventSources(data);
  await defineEvents(engine, sources);
  return sources;
}

/** Event names in the data (track events, pages and screens), most frequent first. */
export async function eventNames(engine: Engine): Promise<string[]> {
  const rows = await engine.all<{ event: string }>(
    `SELECT event FROM events WHERE event IS NOT NULL AND type IN ('track', 'page', 'screen') GROUP BY event ORDER BY count(*) DESC, event`,
  );
  return rows.map((r) => r.event);
}
