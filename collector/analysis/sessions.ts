import type { Engine } from './engine';
import { touchKeyOfLake } from './funnel';
import { isLandingSql } from './touch';

export interface SessionsOptions {
  /** Inactivity that ends a session (GA's and the SDK's 30 minutes by default). */
  gapSeconds: number;
  by: 'channel' | 'campaign';
}

export interface SessionRow {
  key: string;
  sessions: number;
  persons: number;
  medianSeconds: number;
  pagesPerSession: number;
  /** Sessions with at most one interaction (a page view, a screen, a track event other than lifecycle ones). */
  bounceRate: number;
}

/** Events that are not the visitor doing something: they neither extend a visit's interactions nor un-bounce it. */
const LIFECYCLE = `('Page Left', 'Application Backgrounded', 'Application Opened')`;

/**
 * Sessions of stitched persons, cut at every gap longer than `gapSeconds` (across devices: a
 * person switching from the mini-program to the web within the gap stays in one visit). A
 * session's channel is the collector's channel of its first event; its campaign the campaign key
 * of its first landing, `(direct)` without one.
 */
export async function sessions(engine: Engine, { gapSeconds, by }: SessionsOptions): Promise<SessionRow[]> {
  const label = by === 'channel' ? `coalesce(arg_min(channel_group, t), 'Unassigned')` : `coalesce(arg_min(touch_key, t) FILTER (WHERE landing), '(direct)')`;
  return engine.all<SessionRow>(`
    WITH ev AS (
      SELECT person_id, epoch_ms(timestamp) AS t, type, channel_group,
        ${isLandingSql('type', 'event')} AS landing,
        CASE WHEN ${isLandingSql('type', 'event')} THEN ${touchKeyOfLake} END AS touch_key,
        type IN ('page', 'screen') OR (type = 'track' AND event NOT IN ${LIFECYCLE}) AS interaction
      FROM events_p WHERE type IN ('track', 'page', 'screen')),
    cut AS (
      SELECT *, sum(CASE WHEN previous IS NULL OR t - previous > ${Math.round(gapSeconds * 1000)} THEN 1 ELSE 0 END)
                  OVER (PARTITION BY person_id ORDER BY t ROWS UNBOUNDED PRECEDING) AS session
      FROM (SELECT *, lag(t) OVER (PARTITION BY person_id ORDER BY t) AS previous FROM ev)),
    visits AS (
      SELECT person_id, session, ${label} AS key, max(t) - min(t) AS duration,
        count(*) FILTER (WHERE type IN ('page', 'screen')) AS pages, count(*) FILTER (WHERE interaction) AS interactions
      FROM cut GROUP BY person_id, session)
    SELECT key, count(*)::INTEGER AS sessions, count(DISTINCT person_id)::INTEGER AS persons,
      (median(duration) / 1000)::DOUBLE AS medianSeconds, avg(pages)::DOUBLE AS pagesPerSession,
      avg(CASE WHEN interactions <= 1 THEN 1 ELSE 0 END)::DOUBLE AS bounceRate
    FROM visits GROUP BY key ORDER BY sessions DESC, key`);
}
