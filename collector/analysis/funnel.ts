import { duckdb } from './dialect';
import type { Engine } from './engine';
import { sqlString } from './engine';
import { isLandingSql, touchKeySql } from './touch';

export type FunnelGroupBy = 'channel' | 'platform' | 'first_touch';

export interface FunnelOptions {
  steps: readonly string[];
  windowSeconds: number;
  by?: FunnelGroupBy;
  /** Step-1 events from this instant (ms, inclusive)... */
  from?: number;
  /** ...to this one (exclusive). */
  to?: number;
}

export interface FunnelStep {
  event: string;
  persons: number;
  /** Of the persons at step 1. */
  conversion: number;
  /** Persons lost since the previous step. */
  dropOff: number;
  /** Median time from the previous step, over the persons reaching this one; null for step 1. */
  medianSeconds: number | null;
}

export interface FunnelResult {
  steps: FunnelStep[];
  groups?: { group: string; steps: FunnelStep[] }[];
}

export const touchKeyOfLake = touchKeySql(duckdb, { campaign: 'campaign', url: 'page_url', referrer: 'page_referrer', miniprogramQuery: 'miniprogram_query' });

const GROUP_EXPRESSIONS: Record<FunnelGroupBy, string> = {
  channel: `coalesce(channel_group, 'Unassigned')`,
  platform: `coalesce(platform, 'web')`,
  first_touch: 'first_touch',
};

/**
 * An ordered funnel over stitched persons (`events_p`). Every step-1 event starts an attempt; each
 * later step is the earliest matching event strictly after the previous step's (an event at the
 * same millisecond is not after it) and at most the window after the step-1 event (inclusive),
 * found with DuckDB's ASOF join. A person counts at step k when any attempt reaches it; the times
 * between steps are those of the person's earliest attempt among the deepest.
 */
export async function funnel(engine: Engine, { steps, windowSeconds, by, from, to }: FunnelOptions): Promise<FunnelResult> {
  const windowMs = Math.round(windowSeconds * 1000);
  const groupExpr = by ? GROUP_EXPRESSIONS[by] : `'all'`;
  const firstTouch =
    by === 'first_touch'
      ? `LEFT JOIN (SELECT person_id, arg_min(${touchKeyOfLake}, (timestamp, message_id)) AS first_touch
         FROM events_p WHERE ${isLandingSql('type', 'event')} GROUP BY person_id) USING (person_id)`
      : '';
  const range = [from !== undefined && `t >= ${from}`, to !== undefined && `t < ${to}`].filter(Boolean).join(' AND ');
  const stepTables = steps.map(
    (step, i) => `s${i + 1} AS (SELECT person_id, t${i === 0 ? `, ${groupExpr} AS grp` : ''} FROM funnel_events ${firstTouch && i === 0 ? firstTouch : ''}
      WHERE event = ${sqlString(step)}${i === 0 && range ? ` AND ${range}` : ''})`,
  );
  let chain = `a1 AS (SELECT person_id, grp, t AS t1 FROM s1)`;
  for (let k = 2; k <= steps.length; k++) {
    chain += `,
    a${k} AS (SELECT a.*, CASE WHEN s.t <= a.t1 + ${windowMs} THEN s.t END AS t${k}
      FROM a${k - 1} a ASOF LEFT JOIN s${k} s ON a.person_id = s.person_id AND a.t${k - 1} < s.t)`;
  }
  const last = `a${steps.length}`;
  const level = `1 + ${steps
    .slice(1)
    .map((_, i) => `(t${i + 2} IS NOT NULL)::INTEGER`)
    .join(' + ')}`;

  await engine.run(`CREATE OR REPLACE TEMP TABLE funnel_events AS
    SELECT person_id, event, epoch_ms(timestamp) AS t, channel_group, platform
    FROM events_p WHERE type IN ('track', 'page', 'screen') AND event IN (${steps.map(sqlString).join(', ')})`);
  const rows = await engine.all<Record<string, number | string | null>>(`
    WITH ${stepTables.join(',\n    ')},
    ${chain},
    best AS (SELECT *, ${level} AS level FROM ${last}
             QUALIFY row_number() OVER (PARTITION BY grp, person_id ORDER BY ${level} DESC, t1) = 1)
    SELECT grp,
      ${steps.map((_, i) => `count(*) FILTER (WHERE level >= ${i + 1})::INTEGER AS p${i + 1}`).join(', ')},
      ${steps
        .slice(1)
        .map((_, i) => `median(t${i + 2} - t${i + 1}) FILTER (WHERE level >= ${i + 2})::DOUBLE / 1000 AS m${i + 2}`)
        .join(', ')}
    FROM best GROUP BY grp ORDER BY p1 DESC, grp`);
  await engine.run('DROP TABLE funnel_events');

  const stepsOf = (row: Record<string, number | string | null> | undefined): FunnelStep[] =>
    steps.map((event, i) => {
      const persons = Number(row?.[`p${i + 1}`] ?? 0);
      const first = Number(row?.p1 ?? 0);
      const previous = i === 0 ? persons : Number(row?.[`p${i}`] ?? 0);
      const median = i === 0 ? null : ((row?.[`m${i + 1}`] as number | null | undefined) ?? null);
      return { event, persons, conversion: first ? persons / first : 0, dropOff: previous - persons, medianSeconds: median };
    });
  if (!by) return { steps: stepsOf(rows[0]) };
  const groups = rows.map((row) => ({ group: String(row.grp), steps: stepsOf(row) }));
  return { steps: await funnel(engine, { steps, windowSeconds, from, to }).then((r) => r.steps), groups };
}
