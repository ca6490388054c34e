/**
 * The wire protocol as zod schemas, for the collector. Kept in step with `types.ts` by
 * `protocol.test.ts`. Unknown top-level fields are stripped; unknown `context` fields are kept,
 * inside its known objects too (RudderStack adds `page.tab_url`, `screen.innerWidth`, ...).
 */
import { z } from 'zod';

const id = z.string().min(1).max(256);
const isoDate = z.iso.datetime({ offset: true });
const record = z.record(z.string(), z.unknown());

export const contextSchema = z.looseObject({
  library: z.looseObject({ name: z.string().max(256), version: z.string().max(256) }).optional(),
  page: z
    .looseObject({
      path: z.string().optional(),
      referrer: z.string().optional(),
      search: z.string().optional(),
      title: z.string().optional(),
      url: z.string().optional(),
    })
    .optional(),
  screen: z
    .looseObject({
      width: z.number().optional(),
      height: z.number().optional(),
      density: z.number().optional(),
    })
    .optional(),
  userAgent: z.string().optional(),
  locale: z.string().max(64).optional(),
  timezone: z.string().max(64).optional(),
  ip: z.string().max(64).optional(),
});

const base = {
  messageId: id.optional(),
  anonymousId: id.optional(),
  userId: id.optional(),
  timestamp: isoDate.optional(),
  /** The client's own time, as RudderStack's SDKs send it (then `timestamp`, if set too, is the user's). */
  originalTimestamp: isoDate.optional(),
  sentAt: isoDate.optional(),
  context: contextSchema.optional(),
  integrations: record.optional(),
  /** Where the event was sent from, as RudderStack's SDKs say it (`web`, `server`, `mobile`). */
  channel: z.string().max(64).optional(),
};

/** Segment requires one of the two ids on every call. */
const hasIdentity = (e: { userId?: string; anonymousId?: string }) => e.userId !== undefined || e.anonymousId !== undefined;
const identityIssue = { message: 'userId or anonymousId is required', path: ['anonymousId'] };

export const trackSchema = z
  .object({ ...base, type: z.literal('track'), event: z.string().min(1).max(256), properties: record.optional() })
  .refine(hasIdentity, identityIssue);

/** Page and screen calls have the same shape. */
const viewSchema = <T extends 'page' | 'screen'>(type: T) =>
  z
    .object({
      ...base,
      type: z.literal(type),
      name: z.string().max(256).optional(),
      category: z.string().max(256).optional(),
      properties: record.optional(),
    })
    .refine(hasIdentity, identityIssue);

export const pageSchema = viewSchema('page');
export const screenSchema = viewSchema('screen');

export const identifySchema = z.object({ ...base, type: z.literal('identify'), traits: record.optional() }).refine(hasIdentity, identityIssue);

export const groupSchema = z.object({ ...base, type: z.literal('group'), groupId: id, traits: record.optional() }).refine(hasIdentity, identityIssue);

export const aliasSchema = z.object({ ...base, type: z.literal('alias'), userId: id, previousId: id });

export const eventSchema = z.discriminatedUnion('type', [trackSchema, pageSchema, screenSchema, identifySchema, groupSchema, aliasSchema]);

/** The envelope only: events are validated one by one so one bad event does not sink the batch. */
export const batchEnvelopeSchema = z.object({
  batch: z.array(z.unknown()),
  sentAt: isoDate.optional(),
  writeKey: z.string().max(256).optional(),
  context: contextSchema.optional(),
  integrations: record.optional(),
});

export const batchSchema = batchEnvelopeSchema.extend({ batch: z.array(eventSchema) });

export const eventSchemas = {
  track: trackSchema,
  page: pageSchema,
  screen: screenSchema,
  identify: identifySchema,
  group: groupSchema,
  alias: aliasSchema,
} as const;

/** One line per zod issue, `path: message`, for the failed-events stream and the response. */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`).join('; ');
}
