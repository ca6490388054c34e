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

/**
 * The credit SQL shared by every engine: given `credit_touches (conversion_id, revenue_micros,
 * touch_key, label, rank, n)` — a conversion's touches numbered 1..n by time, and n = 0 with one
 * row for a conversion without any — gives each row its `weight` and `micros`. Revenue is split in
 * integer micro-units and the rounding remainder goes to the last credited touch, so a
 * conversion's credits add up exactly to its revenue in every engine.
 */
export function creditWeightsSql(model: AttributionModel): string {
  switch (model) {
    case 'first':
      return `CASE WHEN n = 0 OR rank = 1 THEN 1 ELSE 0 END`;
    case 'last':
      // The latest touch that is not direct (GA's last non-direct click): `nd_rank` counts those from the end.
      return `CASE WHEN n = 0 OR (nd_count = 0 AND rank = n) OR nd_rank = 1 THEN 1 ELSE 0 END`;
    case 'linear':
      return `CASE WHEN n = 0 THEN 1 ELSE 1.0 / n END`;
    case 'position':
      return `CASE WHEN n <= 2 THEN CASE WHEN n = 0 THEN 1 ELSE 1.0 / n END WHEN rank = 1 OR rank = n THEN 0.4 ELSE 0.2 / (n - 2) END`;
  }
}

/** Integer micros of a row's revenue credit, as `weight × revenue` rounded down, the remainder on the last row. */
export function creditMicrosSql(model: AttributionModel): string {
  const share =
    model === 'first' || model === 'last' ? `CASE WHEN (${creditWeightsSql(model)}) = 1 THEN revenue_micros ELSE 0 END`
      : model === 'linear' ? `CASE WHEN n = 0 THEN revenue_micros ELSE revenue_micros // n END`
      : `CASE WHEN n = 0 THEN revenue_micros WHEN n <= 2 THEN revenue_micros // n WHEN rank = 1 OR rank = n THEN revenue_micros * 2 // 5 ELSE revenue_micros // (5 * (n - 2)) END`;
  return share;
}

/**
 * Conversions and revenue per key. Every conversion event counts; its touches are the person's
 * landings strictly before it and within the lookback. The touches (and so the credit) are chosen
 * by the campaign-key rules whatever `by` is; `by` only names them: the campaign key, or the
 * collector's channel group or source of the landing event.
 */
export async function attribution(engine: Engine, { conversion, model, by, lookbackSeconds }: AttributionOptions): Promise<AttributionRow[]> {
  const label = by === 'campaign' ? 'touch_key' : by === 'channel' ? `coalesce(channel_group, 'Unassigned')` : `coalesce(channel_source, '(direct)')`;
  const directLabel = by === 'campaign' ? `'${DIRECT}'` : by === 'channel' ? `'Direct'` : `'(direct)'`;
  await engine.run(`CREATE OR REPLACE TEMP TABLE credit_touches AS
    WITH conversions AS (
      SELECT message_id AS conversion_id, person_id, epoch_ms(timestamp) AS t,
             coalesce(round(revenue * 1000000), 0)::BIGINT AS revenue_micros
      FROM events_p WHERE type = 'track' AND event = ${sqlString(conversion)}),
    touches AS (
      SELECT person_id, epoch_ms(timestamp) AS t, message_id, ${touchKeyOfLake} AS touch_key, channel_group, channel_source
      FROM events_p WHERE ${isLandingSql('type', 'event')}),
    joined AS (
      SELECT c.conversion_id, c.revenue_micros, x.touch_key, x.label, x.t, x.message_id
      FROM conversions c LEFT JOIN (SELECT *, ${label} AS label FROM touches) x
        ON x.person_id = c.person_id AND x.t < c.t AND x.t >= c.t - ${Math.round(lookbackSeconds * 1000)})
    SELECT conversion_id, revenue_micros, touch_key, label,
      CASE WHEN t IS NULL THEN 0 ELSE row_number() OVER (PARTITION BY conversion_id ORDER BY t, message_id) END AS rank,
      count(t) OVER (PARTITION BY conversion_id) AS n,
      count(t) FILTER (WHERE touch_key <> '${DIRECT}') OVER (PARTITION BY conversion_id) AS nd_count,
      CASE WHEN touch_key <> '${DIRECT}' THEN row_number() OVER (PARTITION BY conversion_id, touch_key <> '${DIRECT}' ORDER BY t DESC, message_id DESC) END AS nd_rank
    FROM joined`);
  const rows = await engine.all<{ key: string; conversions: number; micros: bigint }>(`
    WITH credited AS (
      SELECT *, ${creditWeightsSql(model)} AS weight, ${creditMicrosSql(model)} AS share FROM credit_touches),
    balanced AS (
      -- No touch (or, for last, no touch but direct ones): the conversion is direct.
      SELECT CASE WHEN n = 0 ${model === 'last' ? 'OR nd_count = 0' : ''} THEN ${directLabel} ELSE label END AS label, weight,
        share + CASE WHEN rank = max(rank) OVER (PARTITION BY conversion_id) AND (${creditWeightsSql(model)}) > 0
                     THEN revenue_micros - sum(share) OVER (PARTITION BY conversion_id) ELSE 0 END AS micros
      FROM credited)
    SELECT label AS key, sum(weight)::DOUBLE AS conversions, sum(micros)::BIGINT AS micros
    FROM balanced WHERE weight > 0 GROUP BY label ORDER BY micros DESC, conversions DESC, key`);
  await engine.run('DROP TABLE credit_touches');
  return rows.map((r) => ({ key: r.key, conversions: r.conversions, revenue: Number(r.micros) / 1e6 }));
}
