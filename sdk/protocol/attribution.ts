/**
 * Terms of the wire that both sides read: the campaign parameters and ad click ids a landing URL
 * (or a mini-program's launch query) may carry. The SDK records them in `context.attribution`; the
 * collector groups channels by them.
 */
export const UTM_KEYS = ['source', 'medium', 'campaign', 'term', 'content', 'id'] as const;
export type UtmKey = (typeof UTM_KEYS)[number];

/** Google, Microsoft, Meta, TikTok, X, LinkedIn, Baidu and Tencent (GDT: WeChat and QQ ads). */
export const CLICK_ID_KEYS = ['gclid', 'gbraid', 'wbraid', 'dclid', 'fbclid', 'msclkid', 'ttclid', 'twclid', 'li_fat_id', 'bd_vid', 'gdt_vid', 'qz_gdt'] as const;
export type ClickIdKey = (typeof CLICK_ID_KEYS)[number];

/**
 * Query parameters a shared mini-program card carries (set by the SDK's share capture): who shared
 * it, how many shares deep the chain is, and the share's own id (the `Share Sent` event's).
 */
export const SHARE_PARAMS = { sharer: 'tp_sharer', depth: 'tp_sd', id: 'tp_sid' } as const;
