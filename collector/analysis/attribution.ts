import { duckdb, type SqlDialect } from './dialect';
import type { Engine } from './engine';
import { sqlString } from './engine';
import { touchKeyOfLake } from './funnel';
import { DIRECT, isLandingSql } from './touch';

export type AttributionModel = 'first' | 'last' | 'linear' | 'position';
export type AttributionKey = 'channel' | 'source' | 'campaign';

export interface AttributionOptions {
  conversion: string;
  model: AttributionModel;
  by: AttributionKey;
  lookbackSeconds: number;
}

export interface AttributionRow {
  key: string;
  /** Fractional for the split models. */
  conversions: number;
  revenue: number;
}

/** The label a conversion without a (non-direct, for `last`) touch gets. */
export const directLabel = (by: AttributionKey) => (by === 'campaign' ? DIRECT : by === 'channel' ? 'Direct' : '(direct)');

/** A touch's share of its conversion (1 to the credited touch for first and last). */
function weightSql(model: AttributionModel): string {
  switch (model) {
    case 'first':
      return `CASE WHEN n = 0 OR rank = 1 THEN 1 ELSE 0 END`;
    case 'last':
      // The latest touch that is not direct (GA's last non-direct click); with none, the conversion is direct.
      return `CASE WHEN n = 0 OR (nd_count = 0 AND rank = n) OR nd_rank = 1 THEN 1 ELSE 0 END`;
    case 'linear':
      return `CASE WHEN n = 0 THEN 1 ELSE 1.0 / n END`;
    case 'position':
      return `CASE WHEN n = 0 THEN 1 WHEN n <= 2 THEN 1.0 / n WHEN rank = 1 OR rank = n THEN 0.4 ELSE 0.2 / (n - 2) END`;
  }
}

/** A touch's revenue in integer micro-units, rounded down (the remainder is added to the last credited touch). */
function microsSql(d: SqlDialect, model: AttributionModel): string {
  if (model === 'first' || model === 'last') return `CASE WHEN (${weightSql(model)}) = 1 THEN revenue_micros ELSE 0 END`;
  if (model === 'linear') return `CASE WHEN n = 0 THEN revenue_micros ELSE ${d.intDiv('revenue_micros', 'n')} END`;
  return `CASE WHEN n = 0 THEN revenue_micros WHEN n <= 2 THEN ${d.intDiv('revenue_micros', 'n')}
    WHEN rank = 1 OR rank = n THEN ${d.intDiv('revenue_micros * 2', '5')} ELSE ${d.intDiv('revenue_micros', '5 * (n - 2)')} END`;
}

export interface CreditSources {
  /** Rows (conversion_id, person_id, t: epoch ms, revenue_micros: integer). */
  conversions: string;
  /** Rows (person_id, t, message_id, touch_key, label). */
  touches: string;
}

/**
 * The attribution query for engines with window functions (DuckDB, PostgreSQL). Each conversion
 * joins its person's touches strictly before it and within the lookback; the touches are
 * numbered by time (then message id), weighted by the model, and the revenue is split in integer
 * micro-units with the rounding remainder on the last credited touch, so that a conversion's
 * credits add up exactly to its revenue — in every engine alike.
 */
export function attributionQuery(d: SqlDialect, sources: CreditSources, { model, by, lookbackSeconds }: Omit<AttributionOptions, 'conversion'>): string {
  const direct = d.literal(directLabel(by));
  // Materialised: computed once, not once per conversion in a nested loop.
  return `WITH conversions AS MATERIALIZED (${sources.conversions}),
    touches AS MATERIALIZED (${sources.touches}),
    joined AS (
      SELECT c.conversion_id, c.revenue_micros, x.touch_key, x.label, x.t, x.message_id
      FROM conversions c LEFT JOIN touches x
        ON x.person_id = c.person_id AND x.t < c.t AND x.t >= c.t - ${Math.round(lookbackSeconds * 1000)}),
    numbered AS (
      SELECT conversion_id, revenue_micros, touch_key, label,
        CASE WHEN t IS NULL THEN 0 ELSE row_number() OVER (PARTITION BY conversion_id ORDER BY t, message_id) END AS rank,
        count(t) OVER (PARTITION BY conversion_id) AS n,
        count(t) FILTER (WHERE touch_key <> '${DIRECT}') OVER (PARTITION BY conversion_id) AS nd_count,
        CASE WHEN touch_key <> '${DIRECT}' THEN row_number() OVER (PARTITION BY conversion_id, touch_key <> '${DIRECT}' ORDER BY t DESC, message_id DESC) END AS nd_rank
      FROM joined),
    credited AS (
      SELECT *, ${weightSql(model)} AS weight, ${microsSql(d, model)} AS share FROM numbered),
    balanced AS (
      SELECT CASE WHEN n = 0 ${model === 'last' ? 'OR nd_count = 0' : ''} THEN ${direct} ELSE label END AS label, weight,
        share + CASE WHEN rank = max(rank) OVER (PARTITION BY conversion_id) AND weight > 0
                     THEN revenue_micros - sum(share) OVER (PARTITION BY conversion_id) ELSE 0 END AS micros
      FROM credited)
    SELECT label AS key, CAST(sum(weight) AS DOUBLE PRECISION) AS conversions, CAST(sum(micros) AS BIGINT) AS micros
    FROM balanced WHERE weight > 0 GROUP BY label ORDER BY micros DESC, conversions DESC, key`;
}

/** The landing's label for `by`: its campaign key, or the collector's channel group or source. */
export const labelColumn = (by: AttributionKey, columns: { touchKey: string; channelGroup: string; channelSource: string }) =>
  by === 'campaign'
    ? columns.touchKey
    : by === 'channel'
      ? `coalesce(${columns.channelGroup}, 'Unassigned')`
      : `coalesce(${columns.channelSource}, '(direct)')`;

/**
 * Conversions and revenue per key. Every conversion event counts; its touches are the person's
 * landings strictly before it and within the lookback. The touches (and so the credit) are chosen
 * by the campaign-key rules whatever `by` is; `by` only names them: the campaign key, or the
 * collector's channel group or source of the landing event.
 */
export async function attribution(engine: Engine, { conversion, ...options }: AttributionOptions): Promise<AttributionRow[]> {
  const rows = await engine.all<{ key: string; conversions: number; micros: bigint }>(
    attributionQuery(
      duckdb,
      {
        conversions: `SELECT message_id AS conversion_id, person_id, epoch_ms(timestamp) AS t, coalesce(round(revenue * 1000000), 0)::BIGINT AS revenue_micros
      FROM events_p WHERE type = 'track' AND event = ${sqlString(conversion)}`,
        touches: `SELECT person_id, epoch_ms(timestamp) AS t, message_id, touch_key,
        ${labelColumn(options.by, { touchKey: 'touch_key', channelGroup: 'channel_group', channelSource: 'channel_source' })} AS label
      FROM (SELECT *, ${touchKeyOfLake} AS touch_key FROM events_p WHERE ${isLandingSql('type', 'event')})`,
      },
      options,
    ),
  );
  return rows.map((r) => ({ key: r.key, conversions: r.conversions, revenue: Number(r.micros) / 1e6 }));
}
