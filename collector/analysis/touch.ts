import { PAID_CLICK_IDS, SEARCH_ENGINE_HOSTS } from '../pipeline/enrich/channel';
import type { SqlDialect } from './dialect';

/**
 * The campaign key of a landing (a page view, or a mini-program launch or show), as the README
 * defines it: its campaign name; without one, `(paid)` for an ad click id, `(organic)` for a
 * search engine's referrer, `(referral)` for another site's, `(direct)` otherwise. The search
 * engines and click ids are the collector's own lists (`pipeline/enrich/channel.ts`).
 */
export const DIRECT = '(direct)';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A search engine's host, or a subdomain of one; `google.*` stands for one or two labels of top-level domain. */
export const SEARCH_HOST_PATTERN = `(^|\\.)(${SEARCH_ENGINE_HOSTS.map((host) =>
  host.endsWith('.*') ? `${escape(host.slice(0, -2))}(\\.[^.]+){1,2}` : escape(host),
).join('|')})$`;

const CLICK_IDS = PAID_CLICK_IDS.map(escape).join('|');
/** A paid click id with a value, in a landing URL's query... */
export const CLICK_IN_URL_PATTERN = `[?&](${CLICK_IDS})=[^&#]`;
/** ...or in a mini-program's launch query, as JSON text. */
export const CLICK_IN_QUERY_PATTERN = `"(${CLICK_IDS})"\\s*:\\s*"[^"]`;

const HOST = '^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#:]+)';

export interface TouchColumns {
  campaign: string;
  url: string;
  referrer: string;
  /** The mini-program launch query, as JSON text. */
  miniprogramQuery: string;
}

export function touchKeySql(d: SqlDialect, { campaign, url, referrer, miniprogramQuery }: TouchColumns): string {
  const host = (expr: string) => `lower(${d.extract(`coalesce(${expr}, '')`, HOST)})`;
  return `CASE
    WHEN coalesce(${campaign}, '') <> '' THEN ${campaign}
    WHEN ${d.matches(`coalesce(${url}, '')`, CLICK_IN_URL_PATTERN)} OR ${d.matches(`coalesce(${miniprogramQuery}, '')`, CLICK_IN_QUERY_PATTERN)} THEN '(paid)'
    WHEN ${d.matches(host(referrer), SEARCH_HOST_PATTERN)} THEN '(organic)'
    WHEN ${host(referrer)} <> '' AND ${host(referrer)} <> ${host(url)} THEN '(referral)'
    ELSE '${DIRECT}' END`;
}

/** Landings: page views, and mini-program launches and shows (contract 3). */
export const isLandingSql = (type: string, event: string) => `(${type} = 'page' OR (${type} = 'track' AND ${event} = 'Application Opened'))`;
