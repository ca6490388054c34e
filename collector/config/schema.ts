import { z } from 'zod';
import { CHANNEL_GROUPS } from '../pipeline/enrich/channel';

// The collector's settings, with their defaults: this schema is the reference the README follows.

const origin = z.string().regex(/^(\*|https?:\/\/[^/\s]+)$/, 'an origin is scheme://host[:port], or * for any');

const rate = z.strictObject({
  /** Sustained events per second. */
  eventsPerSecond: z.number().positive(),
  /** Bucket size: how many events may arrive at once. Defaults to 2 s of the sustained rate. */
  burst: z.number().positive().optional(),
});

export const writeKeySchema = z.strictObject({
  key: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[^\s:]+$/, 'a write key holds no spaces or ":"'),
  /** Recorded with failed events and in metrics instead of the key itself. */
  name: z.string().min(1).max(100).optional(),
  /** Browser keys are checked against allowedOrigins and rate-limited per client IP as well. */
  kind: z.enum(['browser', 'server']).default('browser'),
  allowedOrigins: z.array(origin).default(['*']),
  /** Browser keys: when given, mini-program requests are accepted only from these app ids (read from the host's Referer). */
  allowedMiniprograms: z
    .array(z.string().regex(/^[\w-]{2,64}$/, 'a mini-program app id: letters, digits, _ or -'))
    .min(1)
    .optional(),
  rateLimit: rate.optional(),
  ipRateLimit: rate.optional(),
});

const piiPath = z.strictObject({
  /** Dotted path in the event, e.g. `traits.phone` or `properties.email`. */
  path: z.string().min(1),
  kind: z.enum(['email', 'phone', 'text']),
});

const streams = z.array(z.enum(['events', 'failed', 'bots'])).min(1);
/** When a part of the log is cut: the NDJSON sink's own parts, and those of streams no NDJSON sink keeps. */
const partRotation = {
  rotateBytes: z
    .number()
    .int()
    .positive()
    .default(128 * 1024 * 1024),
  rotateSeconds: z.number().int().positive().default(3600),
};
const sinkName = z
  .string()
  .regex(/^[\w.-]+$/, 'letters, digits, _ . - only')
  .optional();

/** Where events go. Each sink consumes its streams of the log, each from its own cursor. */
export const sinkConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('ndjson'),
    name: sinkName,
    /**
     * Each stream under `<dir>/<stream>/date=YYYY-MM-DD/`. Without a dir (or with dataDir), the
     * sink keeps the log's own parts as the data; with another dir, or gzip, it writes a copy there.
     */
    dir: z.string().min(1).optional(),
    streams: streams.default(['events', 'failed', 'bots']),
    ...partRotation,
    gzip: z.boolean().default(false),
    /** Days the data folder's parts are kept (once every other sink has them); absent: for good. */
    retentionDays: z.number().int().positive().optional(),
  }),
  z.strictObject({ type: z.literal('stdout'), name: sinkName, streams: streams.default(['events']) }),
  z.strictObject({
    type: z.literal('http'),
    name: sinkName,
    url: z.string().regex(/^https?:\/\//, 'an http:// or https:// URL'),
    headers: z.record(z.string(), z.string()).default({}),
    format: z.enum(['json', 'ndjson']).default('json'),
    timeoutMs: z.number().int().positive().default(10_000),
    streams: streams.default(['events']),
  }),
  z.strictObject({
    type: z.literal('postgres'),
    name: sinkName,
    url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'),
    table: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier')
      .default('touchpoint_events'),
    streams: streams.default(['events']),
  }),
  z.strictObject({
    type: z.literal('mysql'),
    name: sinkName,
    url: z.string().regex(/^mysql:\/\//, 'a mysql:// URL'),
    table: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier')
      .default('touchpoint_events'),
    streams: streams.default(['events']),
  }),
  z.strictObject({
    type: z.literal('clickhouse'),
    name: sinkName,
    url: z.string().regex(/^https?:\/\//, 'the HTTP interface, e.g. http://127.0.0.1:8123'),
    database: z.string().regex(/^\w+$/).default('default'),
    table: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier')
      .default('touchpoint_events'),
    user: z.string().optional(),
    password: z.string().optional(),
    streams: streams.default(['events']),
  }),
  z.strictObject({
    type: z.literal('nats'),
    name: sinkName,
    servers: z.union([z.string(), z.array(z.string()).min(1)]).default('127.0.0.1:4222'),
    /** JetStream stream, created if missing, over `<subjectPrefix>.>`. */
    stream: z
      .string()
      .regex(/^[\w-]+$/)
      .default('TOUCHPOINT'),
    subjectPrefix: z
      .string()
      .regex(/^[\w-]+$/)
      .default('touchpoint'),
    /** The broker's duplicate window: messageIds seen within it are dropped by JetStream itself. */
    duplicateWindowSeconds: z.number().int().positive().default(86_400),
    streams: streams.default(['events']),
  }),
  z.strictObject({
    type: z.literal('kafka'),
    name: sinkName,
    brokers: z.array(z.string().min(1)).min(1),
    topic: z
      .string()
      .regex(/^[\w.-]+$/)
      .default('touchpoint'),
    clientId: z.string().default('touchpoint-collector'),
    streams: streams.default(['events']),
  }),
]);

export type SinkConfig = z.output<typeof sinkConfigSchema>;

export const collectorSettingsSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(8080),
  host: z.string().min(1).default('0.0.0.0'),
  dataDir: z.string().min(1).default('./data'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * How many proxies of your own stand in front (each appends to X-Forwarded-For): the client
   * address is taken that many entries from the right. `true` is one, `false` none (the socket's).
   */
  trustProxy: z
    .union([z.boolean(), z.number().int().min(0).max(16)])
    .default(false)
    .transform((hops) => (hops === true ? 1 : hops === false ? 0 : hops)),
  /** No keys: the documented demo key `demo` is accepted, and the collector says so. */
  writeKeys: z.array(writeKeySchema).default([]),
  /**
   * Operations endpoints (`/metrics`, `/readyz` with its checks, `/debug`): on their own listener
   * when `port` is set (bind it to a private address), and on the public port only with
   * `Authorization: Bearer <token>` when a token is set. The public `/healthz` and `/readyz` say
   * only ok / ready or not.
   */
  admin: z
    .strictObject({
      port: z.number().int().min(0).max(65535).optional(),
      host: z.string().min(1).default('127.0.0.1'),
      token: z.string().min(16, 'use an admin token of at least 16 characters').optional(),
    })
    .prefault({}),
  /** Shared de-dup and rate-limit state for several collector processes. */
  redis: z.strictObject({ url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL') }).optional(),
  limits: z
    .strictObject({
      /** Authenticated requests being processed at once before the collector answers 503. */
      maxInflightRequests: z.number().int().positive().default(1024),
      /** Uploads one client (an IPv4 address, an IPv6 /64) may have in progress; past it, 429. */
      maxUploadsPerClient: z.number().int().positive().default(32),
      /** A request's headers must arrive within this... */
      headersTimeoutMs: z.number().int().positive().default(10_000),
      /** ...and its body within this after them; else 408 and the connection is closed. */
      bodyTimeoutMs: z.number().int().positive().default(15_000),
    })
    .prefault({}),
  dedup: z
    .strictObject({
      /** A message id is remembered at least this long (less than twice it in memory). */
      windowSeconds: z.number().int().positive().default(86_400),
      /** Bound of the in-memory store (one process), reached first under load; Redis keys expire instead. */
      maxEntries: z.number().int().positive().default(1_000_000),
    })
    .prefault({}),
  /**
   * The durable log between requests and sinks: the NDJSON parts under dataDir, which every sink
   * consumes with its own cursor.
   */
  log: z
    .strictObject({
      /** High-water mark: when a sink is this many bytes behind, requests get 503 with Retry-After until it catches up. */
      maxLagBytes: z
        .number()
        .int()
        .positive()
        .default(1024 * 1024 * 1024),
      /** Each group of appends is on disk (O_DSYNC) before it is acknowledged. */
      fsync: z.boolean().default(true),
      /** `log`: 200 once the events are on this disk; `sinks`: once every sink has them. */
      ack: z.enum(['log', 'sinks']).default('log'),
      /** Parts of streams no NDJSON sink keeps (only passing through to the other sinks) are cut at this size or age. */
      ...partRotation,
      ackTimeoutMs: z.number().int().positive().default(10_000),
      /** A sink write taking longer counts as failed and is retried. */
      sinkTimeoutMs: z.number().int().positive().default(10_000),
    })
    .prefault({}),
  sinks: z
    .array(sinkConfigSchema)
    .min(1)
    .default([{ type: 'ndjson', streams: ['events', 'failed', 'bots'], rotateBytes: 128 * 1024 * 1024, rotateSeconds: 3600, gzip: false }])
    .refine((sinks) => sinks.filter((s) => s.type === 'ndjson' && s.dir === undefined && !s.gzip).length <= 1, 'only one NDJSON sink can keep the data folder')
    .refine((sinks) => sinks.every((s) => s.type !== 'ndjson' || !s.gzip || s.dir !== undefined), 'a gzip NDJSON sink writes a copy: give it its own dir'),
  /** Path of a tracking plan (JSON); re-read when it changes, no restart needed. */
  trackingPlan: z.string().min(1).optional(),
  /** `flag`: bots are written with context.bot = true; `route`: to their own `bots` stream. */
  bots: z.enum(['flag', 'route']).default('flag'),
  ip: z
    .strictObject({
      /** Zero the last octet (IPv4) or the last 80 bits (IPv6) before anything is stored. */
      anonymize: z.boolean().default(true),
    })
    .prefault({}),
  /** A MaxMind GeoIP2/GeoLite2 City (or Country) database. */
  geo: z.strictObject({ database: z.string().min(1) }).optional(),
  /** A first-party HttpOnly device-id cookie set by the collector (when it runs on the site's domain). */
  deviceCookie: z
    .strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/)
        .default('tp_did'),
      domain: z.string().optional(),
      maxAgeDays: z.number().int().positive().max(400).default(400),
    })
    .optional(),
  /** Hash these paths (salted SHA-256 after normalisation) so raw identifiers never reach storage. */
  pii: z
    .strictObject({
      salt: z.string().min(16, 'use a salt of at least 16 characters'),
      paths: z.array(piiPath).min(1),
      /** Region for phone numbers written without a country code. */
      defaultRegion: z.string().length(2).default('CN'),
    })
    .optional(),
  /** Channel rules tried before the default grouping; the first whose conditions all hold wins. */
  channels: z
    .strictObject({
      rules: z
        .array(
          z.strictObject({
            group: z.enum(CHANNEL_GROUPS),
            when: z.strictObject({
              source: z.array(z.string()).optional(),
              medium: z.array(z.string()).optional(),
              mediumPattern: z
                .string()
                .refine((p) => {
                  try {
                    new RegExp(p);
                    return true;
                  } catch {
                    return false;
                  }
                }, 'not a valid regular expression')
                .optional(),
              clickId: z.array(z.string()).optional(),
              referrerHost: z.array(z.string()).optional(),
            }),
          }),
        )
        .default([]),
    })
    .optional(),
});

export type CollectorSettings = z.output<typeof collectorSettingsSchema>;
export type CollectorSettingsInput = z.input<typeof collectorSettingsSchema>;
export type WriteKeyConfig = z.output<typeof writeKeySchema>;
