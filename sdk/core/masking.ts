import type { Plugin } from './plugin';

// E-mail addresses, and phone numbers: international (+country) or Chinese mobile (1[3-9] + 9 digits).
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const PHONE = /(?:\+\d{1,3}[\s-]?)?(?<![A-Za-z0-9])1[3-9]\d(?:[\s-]?\d{4}){2}(?![A-Za-z0-9])|\+\d{1,3}[\s-]?\d{2,4}(?:[\s-]?\d{3,4}){2}(?![A-Za-z0-9])/g;

export interface MaskingOptions {
  /** What replaces a match. */
  mask?: string;
}

/** Replaces e-mail addresses and phone numbers in every string, at any depth, without changing the input. */
export function maskPii(value: unknown, mask = '[masked]', depth = 0): unknown {
  if (typeof value === 'string') return value.replace(EMAIL, mask).replace(PHONE, mask);
  if (depth > 20 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => maskPii(v, mask, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskPii(v, mask, depth + 1);
  return out;
}

/**
 * Masks e-mail addresses and phone numbers in properties, traits and the page URL, path, title
 * and referrer before an event is queued, so they never leave the device. (`@` and `+` in URLs are
 * matched whether raw or percent-encoded, since query strings carry them both ways.)
 */
export function maskingPlugin({ mask = '[masked]' }: MaskingOptions = {}): Plugin {
  const maskUrl = (url: unknown) => {
    if (typeof url !== 'string') return url;
    let decoded = url;
    try {
      decoded = decodeURIComponent(url);
    } catch {
      // not percent-encoded text: mask it as it is
    }
    if (decoded === url) return maskPii(url, mask);
    const masked = maskPii(decoded, mask) as string;
    return masked === decoded ? url : encodeURI(masked);
  };
  return {
    name: 'masking',
    enrich(event) {
      const e = { ...event } as Record<string, unknown> & { context?: Record<string, unknown> };
      if (e.properties) e.properties = maskPii(e.properties, mask);
      if (e.traits) e.traits = maskPii(e.traits, mask);
      const page = e.context?.page as Record<string, unknown> | undefined;
      if (page) {
        e.context = {
          ...e.context,
          page: {
            ...page,
            url: maskUrl(page.url),
            path: maskUrl(page.path),
            search: maskUrl(page.search),
            referrer: maskUrl(page.referrer),
            title: maskPii(page.title, mask),
          },
        };
      }
      return e as unknown as typeof event;
    },
  };
}
