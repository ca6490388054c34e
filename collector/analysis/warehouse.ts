import { attributionQuery, directLabel, labelColumn, type AttributionOptions } from './attribution';
import { clickhouse, postgres, type SqlDialect } from './dialect';
import { identifierExpressions, keyIdentifier, type IdentifierColumn } from './identity';
import { DEFAULT_MAX_IDS } from './stitch';
import { DIRECT, isLandingSql, touchKeySql } from './touch';

/**
 * The analysis as SQL for the warehouse, over the tables the sinks create
 * (`collector/sinks/clickhouse.ts`, `postgres.ts`): `touchpoint sql --target T <model>` prints it.
 * The rules are the embedded commands' (the README's); the tests run both on the same events and
 * compare. Only the columns every version of those tables has are read, so the SQL works with or
 * without a `source` column (ClickHouse's FINAL and PostgreSQL's primary key do the de-duplication).
 */
export type Target = 'clickhouse' | 'postgres';

export interface WarehouseOptions {
  /** The events table the sink writes (qualified if need be). */
  table: string;
  /** Prefix of the tables the stitch model creates (`<prefix>persons`, `<prefix>suspicious`). */
  prefix: string;
}

type Column =
  | IdentifierColumn
  | 't'
  | 'event'
  | 'message_id'
  | 'page_url'
  | 'page_referrer'
  | 'campaign'
  | 'miniprogram_query'
  | 'channel_group'
  | 'channel_source'
  | 'revenue';

/**
 * ClickHouse 18.16 (Debian's) has no JSON path functions: the few fields needed are read with
 * regular expressions from the flat objects of `context` (page, campaign, device, channel, the
 * mini-program's query), which the collector writes as JSON.stringify does.
 */
const inObject = (object: string, key: string) => `nullIf(extract(context, '"${object}":\\\\{[^{}]*"${key}":"([^"]*)"'), '')`;
const CLICKHOUSE_QUERY = `extract(context, '"miniprogram":\\\\{[^{}]*"query":(\\\\{[^{}]*\\\\})')`;
const clickhouseColumns: Record<Column, string> = {
  t: 'toInt64(toUInt64(timestamp) * 1000 + timestamp_ms)',
  type: 'type',
  event: 'event',
  message_id: 'message_id',
  user_id: 'user_id',
  anonymous_id: 'anonymous_id',
  previous_id: `nullIf(visitParamExtractString(raw, 'previousId'), '')`,
  device_id: inObject('device', 'id'),
  email: `nullIf(visitParamExtractString(ifNull(traits, ''), 'email'), '')`,
  phone: `nullIf(visitParamExtractString(ifNull(traits, ''), 'phone'), '')`,
  openid: `nullIf(visitParamExtractString(ifNull(traits, ''), 'openid'), '')`,
  unionid: `nullIf(visitParamExtractString(ifNull(traits, ''), 'unionid'), '')`,
  page_url: inObject('page', 'url'),
  page_referrer: inObject('page', 'referrer'),
  miniprogram_query: CLICKHOUSE_QUERY,
  campaign: `coalesce(${inObject('campaign', 'name')},
    nullIf(decodeURLComponent(replaceAll(extract(ifNull(${inObject('page', 'url')}, ''), '[?&]utm_campaign=([^&#]*)'), '+', ' ')), ''),
    nullIf(extract(${CLICKHOUSE_QUERY}, '"utm_campaign":"([^"]*)"'), ''))`,
  channel_group: inObject('channel', 'group'),
  channel_source: inObject('channel', 'source'),
  revenue: `visitParamExtractFloat(ifNull(properties, ''), 'revenue')`,
};

const postgresColumns: Record<Column, string> = {
  t: `round(extract(epoch FROM timestamp) * 1000)::bigint`,
  type: 'type',
  event: 'event',
  message_id: 'message_id',
  user_id: 'user_id',
  anonymous_id: 'anonymous_id',
  previous_id: `raw->>'previousId'`,
  device_id: `context->'device'->>'id'`,
  email: `traits->>'email'`,
  phone: `traits->>'phone'`,
  openid: `traits->>'openid'`,
  unionid: `traits->>'unionid'`,
  page_url: `context->'page'->>'url'`,
  page_referrer: `context->'page'->>'referrer'`,
  miniprogram_query: `(context->'miniprogram'->'query')::text`,
  // No URL decoding built in: '+' is turned into a space, percent-escapes stay as they are.
  campaign: `coalesce(nullif(context->'campaign'->>'name', ''),
    nullif(replace(substring(context->'page'->>'url' from '[?&]utm_campaign=([^&#]*)'), '+', ' '), ''),
    nullif(context->'miniprogram'->'query'->>'utm_campaign', ''))`,
  channel_group: `context->'channel'->>'group'`,
  channel_source: `context->'channel'->>'source'`,
  revenue: `CASE WHEN properties->>'revenue' ~ '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$' THEN (properties->>'revenue')::float8 END`,
};

const dialects: Record<Target, { d: SqlDialect; columns: Record<Column, string>; final: string }> = {
  clickhouse: { d: clickhouse, columns: clickhouseColumns, final: 'FINAL' },
  postgres: { d: postgres, columns: postgresColumns, final: '' },
};

/** Events with their person: the key identifier joined to the stitch model's `<prefix>persons`. */
function eventsWithPersons(target: Target, { table, prefix }: WarehouseOptions, columns: Column[], where: string): string {
  const { d, columns: c, final } = dialects[target];
  const select = columns.map((name) => `${c[name]} AS ${name}`).join(', ');
  const key = keyIdentifier(d, (name) => `(${c[name]})`);
  return target === 'clickhouse'
    ? `SELECT * FROM (SELECT ${select}, ${key} AS identifier FROM ${table} ${final} WHERE ${where}) ALL INNER JOIN (SELECT identifier, person_id FROM ${prefix}persons) USING (identifier)`
    : // OFFSET 0 keeps the planner from pulling the JSON work into a nested loop over persons.
      `SELECT e.*, p.person_id FROM (SELECT ${select}, ${key} AS identifier FROM ${table} WHERE ${where} OFFSET 0) e JOIN ${prefix}persons p ON p.identifier = e.identifier`;
}

/** The stitch model: creates `<prefix>persons (identifier, person_id)` and `<prefix>suspicious (identifier, linked)`. */
export function stitchSql(target: Target, options: WarehouseOptions & { maxIds?: number; rounds?: number }): string {
  const { table, prefix, maxIds = DEFAULT_MAX_IDS, rounds = 12 } = options;
  const { d, columns: c, final } = dialects[target];
  const ids = identifierExpressions(d, (name) => `(${c[name]})`);
  const t = (name: string) => `${prefix}stitch_${name}`;
  const personId = (root: string) =>
    target === 'clickhouse' ? `concat('p_', substring(lower(hex(MD5(${root}))), 1, 16))` : `'p_' || substr(md5(${root}), 1, 16)`;
  if (target === 'postgres') {
    return `-- Identity stitching for PostgreSQL: identifiers linked by the events that carry them; one person per connected component.
DROP TABLE IF EXISTS ${t('edges')}, ${t('label')}, ${prefix}persons, ${prefix}suspicious;
CREATE TEMP TABLE ${t('sets')} AS
  SELECT DISTINCT array_remove(ARRAY[${ids.join(', ')}], NULL) AS ids FROM ${table};
CREATE TABLE ${t('edges')} AS
  SELECT DISTINCT a, b FROM ${t('sets')}, unnest(ids) a, unnest(ids) b WHERE a < b;
CREATE TABLE ${prefix}suspicious AS
  SELECT n AS identifier, count(*) AS linked FROM (SELECT a AS n FROM ${t('edges')} UNION ALL SELECT b FROM ${t('edges')}) x
  GROUP BY n HAVING count(*) > ${maxIds};
CREATE TEMP TABLE ${t('links')} AS
  SELECT a, b FROM ${t('edges')} WHERE a NOT IN (SELECT identifier FROM ${prefix}suspicious) AND b NOT IN (SELECT identifier FROM ${prefix}suspicious)
  UNION ALL SELECT b, a FROM ${t('edges')} WHERE a NOT IN (SELECT identifier FROM ${prefix}suspicious) AND b NOT IN (SELECT identifier FROM ${prefix}suspicious);
CREATE INDEX ON ${t('links')} (b);
CREATE TABLE ${t('label')} AS SELECT DISTINCT unnest(ids) AS n, unnest(ids) AS l FROM ${t('sets')};
ALTER TABLE ${t('label')} ADD PRIMARY KEY (n);
DO $$
DECLARE changed bigint;
BEGIN
  LOOP
    -- Each identifier takes the smallest label among itself and its links, then its label's label.
    CREATE TEMP TABLE ${t('spread')} AS
      SELECT n, min(l COLLATE "C") AS l FROM (SELECT n, l FROM ${t('label')} UNION ALL SELECT k.a, s.l FROM ${t('links')} k JOIN ${t('label')} s ON s.n = k.b) x GROUP BY n;
    ALTER TABLE ${t('spread')} ADD PRIMARY KEY (n);
    UPDATE ${t('label')} o SET l = j.l FROM (SELECT x.n, y.l FROM ${t('spread')} x JOIN ${t('spread')} y ON y.n = x.l) j
      WHERE o.n = j.n AND o.l <> j.l;
    GET DIAGNOSTICS changed = ROW_COUNT;
    DROP TABLE ${t('spread')};
    EXIT WHEN changed = 0;
  END LOOP;
END $$;
CREATE TABLE ${prefix}persons AS SELECT n AS identifier, ${personId('l')} AS person_id FROM ${t('label')};
ALTER TABLE ${prefix}persons ADD PRIMARY KEY (identifier);
ANALYZE ${prefix}persons;
DROP TABLE ${t('edges')}, ${t('label')}, ${t('sets')}, ${t('links')};
`;
  }
  // Aliases never reuse a column's name: ClickHouse 18.16 reads `min(l) AS l` as a cycle.
  const round = `DROP TABLE IF EXISTS ${t('spread')};
CREATE TABLE ${t('spread')} ENGINE = Memory AS
  SELECT n, min(l) AS smallest FROM (
    SELECT n, l FROM ${t('label')}
    UNION ALL SELECT x AS n, l FROM ${t('links')} ALL INNER JOIN (SELECT n AS y, l FROM ${t('label')}) USING (y))
  GROUP BY n;
DROP TABLE ${t('label')};
CREATE TABLE ${t('label')} ENGINE = Memory AS
  SELECT n, root_label AS l FROM (SELECT n, smallest AS root FROM ${t('spread')})
  ANY LEFT JOIN (SELECT n AS root, smallest AS root_label FROM ${t('spread')}) USING (root);`;
  return `-- Identity stitching for ClickHouse: identifiers linked by the events that carry them; one person per connected component.
-- ClickHouse has no loops: ${rounds} rounds of label propagation with pointer jumping (each at least halves the longest
-- path still unlabelled); the last statement counts links whose ends disagree, 0 when converged (else run more rounds).
DROP TABLE IF EXISTS ${t('sets')};
DROP TABLE IF EXISTS ${t('edges')};
DROP TABLE IF EXISTS ${t('links')};
DROP TABLE IF EXISTS ${t('label')};
DROP TABLE IF EXISTS ${prefix}persons;
DROP TABLE IF EXISTS ${prefix}suspicious;
CREATE TABLE ${t('sets')} ENGINE = Memory AS
  SELECT DISTINCT arrayMap(x -> assumeNotNull(x), arrayFilter(x -> isNotNull(x), [${ids.join(', ')}])) AS ids FROM ${table} ${final};
CREATE TABLE ${t('edges')} ENGINE = Memory AS
  SELECT DISTINCT a, b FROM (SELECT ids, arrayJoin(ids) AS a FROM ${t('sets')}) ARRAY JOIN ids AS b WHERE a < b;
CREATE TABLE ${prefix}suspicious ENGINE = Memory AS
  SELECT n AS identifier, count() AS linked FROM (SELECT a AS n FROM ${t('edges')} UNION ALL SELECT b AS n FROM ${t('edges')})
  GROUP BY n HAVING count() > ${maxIds};
CREATE TABLE ${t('links')} ENGINE = Memory AS
  SELECT x, y FROM (
    SELECT a AS x, b AS y FROM ${t('edges')} WHERE a NOT IN (SELECT identifier FROM ${prefix}suspicious) AND b NOT IN (SELECT identifier FROM ${prefix}suspicious)
    UNION ALL SELECT b AS x, a AS y FROM ${t('edges')} WHERE a NOT IN (SELECT identifier FROM ${prefix}suspicious) AND b NOT IN (SELECT identifier FROM ${prefix}suspicious));
CREATE TABLE ${t('label')} ENGINE = Memory AS SELECT DISTINCT arrayJoin(ids) AS n, n AS l FROM ${t('sets')};
${Array.from({ length: rounds }, () => round).join('\n')}
CREATE TABLE ${prefix}persons ENGINE = MergeTree ORDER BY identifier AS SELECT n AS identifier, ${personId('l')} AS person_id FROM ${t('label')};
SELECT count() AS unconverged FROM (SELECT y, lx FROM ${t('links')} ALL INNER JOIN (SELECT n AS x, l AS lx FROM ${t('label')}) USING (x))
  ALL INNER JOIN (SELECT n AS y, l AS ly FROM ${t('label')}) USING (y) WHERE lx != ly;
DROP TABLE ${t('sets')};
DROP TABLE ${t('edges')};
DROP TABLE ${t('links')};
DROP TABLE ${t('label')};
DROP TABLE ${t('spread')};
`;
}

export interface WarehouseFunnelOptions extends WarehouseOptions {
  steps: readonly string[];
  windowSeconds: number;
  from?: number;
  to?: number;
}

/**
 * The funnel: one row per step with persons and the median seconds from the previous step.
 * ClickHouse's windowFunnel takes seconds (DateTime) or UInt32 only in 18.16, too coarse for the
 * millisecond order the rules need, so both targets build each attempt from sorted arrays of the
 * person's step times: the earliest time strictly after the previous step, within the window.
 */
export function funnelSql(target: Target, options: WarehouseFunnelOptions): string {
  const { steps, windowSeconds, from, to } = options;
  const { d, columns: c } = dialects[target];
  const windowMs = Math.round(windowSeconds * 1000);
  const where = `${c.type} IN ('track', 'page', 'screen') AND ${c.event} IN (${steps.map(d.literal).join(', ')})`;
  const events = eventsWithPersons(target, options, ['t', 'event'], where);
  const range = [from !== undefined && `t1 >= ${from}`, to !== undefined && `t1 < ${to}`].filter(Boolean).join(' AND ') || '1 = 1';
  const k = steps.map((_, i) => i + 1);
  const later = k.slice(1);
  if (target === 'clickhouse') {
    const attempts = later
      .map((i) => `arrayFirst(x -> x > t${i - 1}, s${i}) AS f${i}, if(t${i - 1} > 0 AND f${i} > 0 AND f${i} <= t1 + ${windowMs}, f${i}, 0) AS t${i}`)
      .join(',\n      ');
    const median = (i: number) => `if(length(a${i}) = 0, NULL, (a${i}[intDiv(length(a${i}) + 1, 2)] + a${i}[intDiv(length(a${i}) + 2, 2)]) / 2000)`;
    return `SELECT ${k.map((i) => `countIf(level >= ${i}) AS p${i}`).join(', ')},
  ${later.map((i) => `arraySort(groupArrayIf(d${i}, level >= ${i})) AS a${i}, ${median(i)} AS m${i}`).join(', ')}
FROM (
    SELECT person_id, max(reached) AS level, ${later.map((i) => `argMax(t${i} - t${i - 1}, reached * 4398046511104 - t1) AS d${i}`).join(', ')}
    FROM (
      SELECT person_id, t1,
      ${attempts},
      1 + ${later.map((i) => `(t${i} > 0)`).join(' + ')} AS reached
      FROM (
        SELECT person_id, ${k.map((i) => `arraySort(groupArrayIf(t, event = ${d.literal(steps[i - 1]!)})) AS s${i}`).join(', ')}
        FROM (${events}) GROUP BY person_id)
      ARRAY JOIN s1 AS t1
      WHERE ${range})
    GROUP BY person_id)`;
  }
  const laterals = later
    .map(
      (i) => `LEFT JOIN LATERAL (SELECT min(x) AS f${i} FROM unnest(p.s${i}) x WHERE x > t${i - 1}) l${i} ON true
  CROSS JOIN LATERAL (SELECT CASE WHEN f${i} <= t1 + ${windowMs} THEN f${i} END AS t${i}) c${i}`,
    )
    .join('\n  ');
  return `WITH ev AS MATERIALIZED (${events}),
per_person AS (
  SELECT person_id, ${k.map((i) => `array_agg(t) FILTER (WHERE event = ${d.literal(steps[i - 1]!)}) AS s${i}`).join(', ')}
  FROM ev GROUP BY person_id),
attempts AS (
  SELECT p.person_id, t1, ${later.map((i) => `t${i}`).join(', ')}, 1 + ${later.map((i) => `(t${i} IS NOT NULL)::int`).join(' + ')} AS level
  FROM per_person p CROSS JOIN LATERAL unnest(p.s1) AS t1
  ${laterals}
  WHERE ${range}),
best AS (SELECT DISTINCT ON (person_id) * FROM attempts ORDER BY person_id, level DESC, t1)
SELECT ${k.map((i) => `count(*) FILTER (WHERE level >= ${i}) AS p${i}`).join(', ')},
  ${later.map((i) => `percentile_cont(0.5) WITHIN GROUP (ORDER BY t${i} - t${i - 1}) FILTER (WHERE level >= ${i}) / 1000 AS m${i}`).join(', ')}
FROM best`;
}

export type WarehouseAttributionOptions = WarehouseOptions & Omit<AttributionOptions, never>;

/** Attribution: one row per key with conversions and revenue, the embedded command's rules. */
export function attributionSql(target: Target, options: WarehouseAttributionOptions): string {
  const { conversion, model, by, lookbackSeconds } = options;
  const { d, columns: c } = dialects[target];
  const touchKey = touchKeySql(d, { campaign: 'campaign', url: 'page_url', referrer: 'page_referrer', miniprogramQuery: 'miniprogram_query' });
  const label = labelColumn(by, { touchKey: 'touch_key', channelGroup: 'channel_group', channelSource: 'channel_source' });
  const conversions = `SELECT message_id AS conversion_id, person_id, t, ${target === 'clickhouse' ? 'toInt64(round(revenue * 1000000))' : 'coalesce(round(revenue * 1000000), 0)::bigint'} AS revenue_micros
    FROM (${eventsWithPersons(target, options, ['t', 'message_id', 'revenue'], `${c.type} = 'track' AND ${c.event} = ${d.literal(conversion)}`)}) conv`;
  const touches = `SELECT person_id, t, message_id, touch_key, ${label} AS label FROM (
    SELECT *, ${touchKey} AS touch_key
    FROM (${eventsWithPersons(target, options, ['t', 'message_id', 'page_url', 'page_referrer', 'campaign', 'miniprogram_query', 'channel_group', 'channel_source'], isLandingSql(c.type, c.event))}) land) touch`;
  if (target === 'postgres') return attributionQuery(d, { conversions, touches }, { model, by, lookbackSeconds });

  // ClickHouse 18.16 has no window functions: a conversion's touches are gathered in an array
  // sorted by (time, message id) and numbered by ARRAY JOIN; the remainder of the integer split
  // goes to the last touch, which every split model credits. (No lambda here captures a column:
  // 18.16 loses such columns when an outer query does not name them.)
  const lookbackMs = Math.round(lookbackSeconds * 1000);
  const credited = `if(nd = 0, n, nd)`;
  const weight: Record<typeof model, string> = {
    first: `if(rank = 1, 1.0, 0.0)`,
    last: `if(rank = ${credited}, 1.0, 0.0)`,
    linear: `1.0 / n`,
    // ClickHouse evaluates both branches of if(): divisors never reach zero.
    position: `if(n <= 2, 1.0 / n, if(rank = 1 OR rank = n, 0.4, 0.2 / greatest(n - 2, 1)))`,
  };
  const even = `n * intDiv(rev, n)`;
  const micros: Record<typeof model, string> = {
    first: `if(rank = 1, rev, 0)`,
    last: `if(rank = ${credited}, rev, 0)`,
    linear: `intDiv(rev, n) + if(rank = n, rev - ${even}, 0)`,
    position: `if(n <= 2, intDiv(rev, n) + if(rank = n, rev - ${even}, 0),
      if(rank = 1 OR rank = n, intDiv(rev * 2, 5), intDiv(rev, 5 * greatest(n - 2, 1)))
      + if(rank = n, rev - 2 * intDiv(rev * 2, 5) - (n - 2) * intDiv(rev, 5 * greatest(n - 2, 1)), 0))`,
  };
  const direct = d.literal(directLabel(by));
  const key = model === 'last' ? `if(nd = 0, ${direct}, tupleElement(touch, 4))` : 'tupleElement(touch, 4)';
  const touched = `SELECT conversion_id, revenue_micros AS rev, touch_t, touch_id, touch_key, label
    FROM (${conversions}) ALL INNER JOIN (SELECT person_id, t AS touch_t, message_id AS touch_id, touch_key, label FROM (${touches})) USING (person_id)
    WHERE touch_t < t AND touch_t >= t - ${lookbackMs}`;
  return `SELECT key, sum(w) AS conversions, sum(m) AS micros FROM (
  SELECT ${key} AS key, ${weight[model]} AS w, ${micros[model]} AS m FROM (
    SELECT conversion_id, any(rev) AS rev, arraySort(groupArray(tuple(touch_t, touch_id, touch_key, label))) AS touches, length(touches) AS n,
      arrayReduce('max', arrayMap((x, i) -> if(tupleElement(x, 3) != '${DIRECT}', i, 0), touches, arrayEnumerate(touches))) AS nd
    FROM (${touched}) GROUP BY conversion_id)
  ARRAY JOIN touches AS touch, arrayEnumerate(touches) AS rank
  UNION ALL
  SELECT ${direct} AS key, 1.0 AS w, revenue_micros AS m FROM (${conversions})
  WHERE conversion_id NOT IN (SELECT conversion_id FROM (${touched})))
WHERE w > 0 GROUP BY key ORDER BY micros DESC, conversions DESC, key`;
}
