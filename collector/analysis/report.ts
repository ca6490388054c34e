import type { AttributionRow } from './attribution';
import type { FunnelResult, FunnelStep } from './funnel';
import type { RfmResult } from './rfm';

/**
 * One self-contained HTML page (inline CSS and SVG, no script, nothing fetched) for people who
 * would rather look than read: the funnel as bars, the channel table, the RFM grid.
 */
export interface ReportContent {
  title: string;
  /** What was asked, shown under the title (the command line's options). */
  subtitle: string;
  funnel?: FunnelResult;
  attribution?: { rows: AttributionRow[]; by: string; model: string };
  rfm?: RfmResult;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const number = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const percent = (n: number) => `${(n * 100).toFixed(1)}%`;
const duration = (seconds: number | null) =>
  seconds === null
    ? ''
    : seconds < 120
      ? `${number(seconds)} s`
      : seconds < 7200
        ? `${number(seconds / 60, 1)} min`
        : seconds < 172_800
          ? `${number(seconds / 3600, 1)} h`
          : `${number(seconds / 86_400, 1)} d`;

function funnelBars(steps: readonly FunnelStep[], caption: string): string {
  const width = 640;
  const row = 46;
  const top = steps[0]?.persons || 1;
  const bars = steps
    .map((step, i) => {
      const w = Math.max(2, Math.round((step.persons / top) * (width - 220)));
      const y = i * row + 8;
      const label = `${step.event}: ${number(step.persons)} (${percent(step.conversion)})`;
      return `<g class="step"><rect x="0" y="${y}" width="${w}" height="30" rx="4"></rect>
  <text x="${w + 8}" y="${y + 20}">${escapeHtml(label)}</text>
  ${i > 0 ? `<text class="detail" x="${w + 8}" y="${y + 34}">−${number(step.dropOff)} · median ${escapeHtml(duration(step.medianSeconds))} after the previous step</text>` : ''}</g>`;
    })
    .join('\n');
  return `<figure><figcaption>${escapeHtml(caption)}</figcaption>
  <svg role="img" aria-label="${escapeHtml(caption)}" width="${width}" height="${steps.length * row + 16}" viewBox="0 0 ${width} ${steps.length * row + 16}">${bars}</svg></figure>`;
}

function funnelSection(result: FunnelResult): string {
  const groups = (result.groups ?? []).map((g) => funnelBars(g.steps, g.group)).join('\n');
  return `<section id="funnel"><h2>Funnel</h2>${funnelBars(result.steps, 'All persons')}${groups}</section>`;
}

function attributionSection({ rows, by, model }: NonNullable<ReportContent['attribution']>): string {
  const top = Math.max(...rows.map((r) => r.revenue), 1);
  const body = rows
    .map(
      (r) => `<tr><td>${escapeHtml(r.key)}</td><td class="n">${number(r.conversions, Number.isInteger(r.conversions) ? 0 : 2)}</td>
  <td class="n">${number(r.revenue, 2)}</td><td><span class="bar" style="width:${Math.round((r.revenue / top) * 200)}px"></span></td></tr>`,
    )
    .join('\n');
  return `<section id="attribution"><h2>Attribution by ${escapeHtml(by)} (${escapeHtml(model)} touch)</h2>
  <table><thead><tr><th>${escapeHtml(by)}</th><th>conversions</th><th>revenue</th><th></th></tr></thead><tbody>${body}</tbody></table></section>`;
}

const SEGMENT_COLOURS: Record<string, string> = {
  Champions: '#1b7f3b',
  'Loyal Customers': '#3aa15a',
  'Potential Loyalists': '#7cc47f',
  'New Customers': '#a7d8e8',
  Promising: '#c7e9c0',
  'Need Attention': '#fdd49e',
  'About to Sleep': '#fdae6b',
  "Can't Lose Them": '#d7301f',
  'At Risk': '#ef6548',
  Hibernating: '#bdbdbd',
};

function rfmSection(result: RfmResult): string {
  const cells = result.grid
    .map(
      (row, i) =>
        `<tr><th>R${5 - i}</th>${row
          .map((count, j) => {
            const segment = result.gridSegments[i]![j]!;
            return `<td style="background:${SEGMENT_COLOURS[segment] ?? '#eee'}" title="${escapeHtml(segment)}">${number(count)}<small>${escapeHtml(segment)}</small></td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  const segments = result.segments
    .map(
      (s) => `<tr><td>${escapeHtml(s.segment)}</td><td class="n">${number(s.customers)}</td><td class="n">${percent(s.share)}</td>
  <td class="n">${number(s.recencyDays, 1)}</td><td class="n">${number(s.orders, 2)}</td><td class="n">${number(s.revenue, 2)}</td></tr>`,
    )
    .join('\n');
  return `<section id="rfm"><h2>RFM: ${number(result.customers)} customers, as of ${escapeHtml(result.asOf.slice(0, 10))}</h2>
  <table class="grid"><thead><tr><th></th>${[1, 2, 3, 4, 5].map((f) => `<th>F${f}</th>`).join('')}</tr></thead><tbody>${cells}</tbody></table>
  <table><thead><tr><th>segment</th><th>customers</th><th>share</th><th>recency (days)</th><th>orders</th><th>revenue</th></tr></thead><tbody>${segments}</tbody></table></section>`;
}

export function renderReport(content: ReportContent): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(content.title)}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; color: #222; margin: 24px auto; max-width: 960px; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 0; } .sub { color: #666; margin-top: 4px; }
section { margin: 28px 0; } h2 { font-size: 18px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.step rect { fill: #457b9d; } .step text { font-size: 14px; fill: #222; } .step text.detail { font-size: 11px; fill: #666; }
figure { margin: 16px 0; } figcaption { color: #444; font-size: 14px; font-weight: 600; }
table { border-collapse: collapse; margin: 8px 0 16px; } th, td { padding: 4px 10px; text-align: left; border-bottom: 1px solid #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } .bar { display: inline-block; height: 12px; background: #e63946; border-radius: 2px; }
.grid td { width: 96px; height: 52px; text-align: center; color: #111; font-weight: 600; } .grid small { display: block; font-weight: 400; font-size: 10px; }
</style></head><body>
<h1>${escapeHtml(content.title)}</h1><p class="sub">${escapeHtml(content.subtitle)}</p>
${content.funnel ? funnelSection(content.funnel) : ''}
${content.attribution ? attributionSection(content.attribution) : ''}
${content.rfm ? rfmSection(content.rfm) : ''}
</body></html>
`;
}
