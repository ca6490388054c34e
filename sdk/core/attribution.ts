import { CLICK_ID_KEYS, UTM_KEYS, type Attribution, type Touch } from '../protocol/attribution';

export type { Attribution, Touch } from '../protocol/attribution';

/** Query parameters without `URL`, which mini-program runtimes lack. */
export function queryOf(url: string): Record<string, string> {
  const params: Record<string, string> = {};
  const query = url.split('#')[0]!.split('?')[1];
  if (!query) return params;
  for (const pair of query.split('&')) {
    const [key, value = ''] = pair.split('=');
    try {
      if (key) params[decodeURIComponent(key)] = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      // a malformed escape: skip that parameter
    }
  }
  return params;
}

const hostOf = (url: string) => /^[a-z][\w+.-]*:\/\/([^/?#:]+)/i.exec(url)?.[1]?.toLowerCase();

/**
 * The touch a landing describes: UTM parameters, ad click ids, or a referrer from another site.
 * Undefined for an internal navigation or a direct visit, which leave attribution as it was.
 */
export function touchFrom(landingUrl: string, referrer: string, at: string): Touch | undefined {
  const params = queryOf(landingUrl);
  const touch = campaignTouch(params, landingUrl, at);
  const from = hostOf(referrer);
  const external = from !== undefined && from !== hostOf(landingUrl);
  if (external) touch.referrer = referrer;
  return touch.utm || touch.clickIds || external ? touch : undefined;
}

/** The touch of a landing's UTM parameters and click ids (none: an empty touch). */
export function campaignTouch(params: Record<string, string>, landingUrl: string, at: string): Touch {
  const touch: Touch = { landingUrl, at };
  for (const key of UTM_KEYS) if (params[`utm_${key}`]) (touch.utm ??= {})[key] = params[`utm_${key}`]!;
  for (const key of CLICK_ID_KEYS) if (params[key]) (touch.clickIds ??= {})[key] = params[key]!;
  return touch;
}

/** First touch is kept for good; last touch is the latest that had any marketing context. */
export function attribute(previous: Attribution, touch: Touch | undefined): Attribution {
  if (!touch) return previous;
  return { first: previous.first ?? touch, last: touch };
}

/** A key that changes when a new campaign brings the visitor back (a new session starts then). */
export const campaignKey = (touch: Touch | undefined) =>
  touch ? JSON.stringify([touch.utm ?? null, touch.clickIds ?? null, hostOf(touch.referrer ?? '') ?? null]) : '';
