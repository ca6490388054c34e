import type { Engine } from './engine';
import { sqlString } from './engine';

export interface RfmOptions {
  conversion: string;
  /** Recency is counted to this instant (ms); by default the end of the last day with data. */
  asOf?: number;
}

export interface RfmSegment {
  segment: string;
  customers: number;
  share: number;
  recencyDays: number;
  orders: number;
  revenue: number;
}

export interface RfmResult {
  asOf: string;
  customers: number;
  segments: RfmSegment[];
  /** Customers by recency score (row 0 = R5) and frequency score (column 0 = F1). */
  grid: number[][];
  /** The segment of each cell of the grid. */
  gridSegments: string[][];
  persons: { person_id: string; recencyDays: number; orders: number; revenue: number; r: number; f: number; m: number; segment: string }[];
}

/**
 * The classic segments on the recency and frequency scores (the map used by most RFM guides);
 * the monetary score is reported beside them.
 */
export const SEGMENTS: [string, string][] = [
  ['Champions', 'r >= 5 AND f >= 4'],
  ['Loyal Customers', 'r BETWEEN 3 AND 4 AND f >= 4'],
  ['Potential Loyalists', 'r >= 4 AND f BETWEEN 2 AND 3'],
  ['New Customers', 'r = 5 AND f = 1'],
  ['Promising', 'r = 4 AND f = 1'],
  ['Need Attention', 'r = 3 AND f = 3'],
  ['About to Sleep', 'r = 3 AND f <= 2'],
  ["Can't Lose Them", 'r <= 2 AND f = 5'],
  ['At Risk', 'r <= 2 AND f BETWEEN 3 AND 4'],
  ['Hibernating', 'r <= 2 AND f <= 2'],
];

/** A score from 1 to 5 by rank among customers: equal values get equal scores, the highest 5. */
const score = (column: string) => `(1 + floor(5 * (rank() OVER (ORDER BY ${column}) - 1) / count(*) OVER ()))::INTEGER`;

/** Recency, frequency and monetary value per stitched person from their orders, scored 1–5 and segmented. */
export async function rfm(engine: Engine, { conversion, asOf }: RfmOptions): Promise<RfmResult> {
  const segmentCase = `CASE ${SEGMENTS.map(([name, rule]) => `WHEN ${rule} THEN ${sqlString(name)}`).join(' ')} END`;
  const end =
    asOf ??
    Number(
      (await engine.all<{ end: bigint | null }>(`SELECT epoch_ms(date_trunc('day', max(timestamp)) + INTERVAL 1 DAY) AS "end" FROM events_p`))[0]?.end ??
        Date.now(),
    );
  await engine.run(`CREATE OR REPLACE TEMP TABLE rfm_persons AS
    WITH customers AS (
      SELECT person_id, (${end} - max(epoch_ms(timestamp))) / 86400000.0 AS recencyDays, count(*)::INTEGER AS orders, coalesce(sum(revenue), 0)::DOUBLE AS revenue
      FROM events_p WHERE type = 'track' AND event = ${sqlString(conversion)} AND epoch_ms(timestamp) < ${end} GROUP BY person_id),
    scored AS (
      SELECT *, ${score('-recencyDays')} AS r, ${score('orders')} AS f, ${score('revenue')} AS m FROM customers)
    SELECT *, ${segmentCase} AS segment FROM scored`);
  const persons = await engine.all<RfmResult['persons'][number]>(`SELECT * FROM rfm_persons ORDER BY r DESC, f DESC, m DESC, person_id`);
  const segments = await engine.all<RfmSegment>(`
    SELECT segment, count(*)::INTEGER AS customers, count(*) / sum(count(*)) OVER () AS share,
      avg(recencyDays)::DOUBLE AS recencyDays, avg(orders)::DOUBLE AS orders, sum(revenue)::DOUBLE AS revenue
    FROM rfm_persons GROUP BY segment ORDER BY customers DESC, segment`);
  const grid = Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]);
  for (const p of persons) grid[5 - p.r]![p.f - 1]!++;
  const cells = await engine.all<{ r: number; f: number; segment: string }>(
    `SELECT r::INTEGER AS r, f::INTEGER AS f, ${segmentCase} AS segment FROM range(1, 6) s(r), range(1, 6) t(f)`,
  );
  const gridSegments = grid.map(() => ['', '', '', '', '']);
  for (const { r, f, segment } of cells) gridSegments[5 - r]![f - 1] = segment;
  await engine.run('DROP TABLE rfm_persons');
  return { asOf: new Date(end).toISOString(), customers: persons.length, segments, grid, gridSegments, persons };
}
