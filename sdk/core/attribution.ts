/** One visit's marketing context: where the visitor came from. */
export interface Touch {
  utm?: Record<string, string>;
  clickIds?: Record<string, string>;
  referrer?: string;
  landingUrl: string;
  /** ISO time of the visit. */
  at: string;
}

export interface Attribution {
  first?: Touch;
  last?: Touch;
}

const UTM = ['source', 'medium', 'campaign', 'term', 'content', 'id'];
const CLICK_IDS = ['gclid', 'gbraid', 'wbraid', 'dclid', 'fbclid', 'msclkid', 'ttclid', 'twclid', 'li_fat_id', 'bd_vid', 'gdt_vid', 'qz_gdt'];

/** Query parameters without `URL`, which mini-program runtimes lack. */
function queryOf(url: string): Record<string, string> {
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
  const touch: Touch = { landingUrl, at };
  for (const key of UTM) if (params[`utm_${key}`]) (touch.utm ??= {})[key] = params[`utm_${key}`]!;
  for (const key of CLICK_IDS) if (params[key]) (touch.clickIds ??= {})[key] = params[key]!;
  const from = hostOf(referrer);
  const external = from !== undefined && from !== hostOf(landingUrl);
  if (external) touch.referrer = referrer;
  return touch.utm || touch.clickIds || external ? touch : undefined;
}

/** First touch is kept for good; last touch is the latest that had any marketing context. */
export function attribute(previous: Attribution, touch: Touch | undefined): Attribution {
  if (!touch) return previous;
  return { first: previous.first ?? touch, last: touch };
}

/** A key that changes when a new campaign brings the visitor back (a new session starts then). */
export const campaignKey = (touch: Touch | undefined) =>
  touch ? JSON.stringify([touch.utm ?? null, touch.clickIds ?? null, hostOf(touch.referrer ?? '') ?? null]) : '';
