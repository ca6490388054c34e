/**
 * Terms of the wire that both sides read: the campaign parameters and ad click ids a landing URL
 * (or a mini-program's launch query) may carry. The SDK records them in `context.attribution`; the
 * collector groups channels by them.
 */
export const UTM_KEYS = ['source', 'medium', 'campaign', 'term', 'content', 'id'] as const;
export type UtmKey = (typeof UTM_KEYS)[number];

/** Google, Microsoft, Meta, TikTok, X, LinkedIn, Baidu and Tencent (GDT: WeChat and QQ ads). */
export const CLICK_ID_KEYS = [
  'gclid',
  'gbraid',
  'wbraid',
  'dclid',
  'fbclid',
  'msclkid',
  'ttclid',
  'twclid',
  'li_fat_id',
  'bd_vid',
  'gdt_vid',
  'qz_gdt',
] as const;
export type ClickIdKey = (typeof CLICK_ID_KEYS)[number];

/**
 * Query parameters a shared mini-program card carries (set by the SDK's share capture): who shared
 * it, how many shares deep the chain is, and the share's own id (the `Share Sent` event's).
 */
export const SHARE_PARAMS = { sharer: 'tp_sharer', depth: 'tp_sd', id: 'tp_sid' } as const;

/** One visit's marketing context, as `context.attribution.first` / `.last` carry it. */
export interface Touch {
  /** The `utm_*` parameters without their prefix. */
  utm?: Partial<Record<UtmKey, string>>;
  clickIds?: Partial<Record<ClickIdKey, string>>;
  referrer?: string;
  landingUrl: string;
  /** ISO time of the visit. */
  at: string;
  /** Mini-programs: the launch's scene value. */
  scene?: number;
  /** Mini-programs: the shared card the visitor opened (who shared it, how deep in a chain of shares). */
  share?: { sharer: string; depth: number; id?: string };
  /** Mini-programs: the app id of the mini-program or app that opened this one. */
  referrerAppId?: string;
}

/** `context.attribution`: the first touch is kept for good, the last is the latest with marketing context. */
export interface Attribution {
  first?: Touch;
  last?: Touch;
}

/** `context.session`. */
export interface Session {
  id: string;
  /** 1 for the device's first session. */
  index: number;
  /** ISO time the session started. */
  start: string;
}
