/**
 * What real clients send that the protocol says another way, brought in line before validation
 * (the raw event is the parsed body's: changed in place):
 * - `null` for a field not set (Segment's analytics-next sends `userId: null` until identify), and
 *   `""` for an id not set (RudderStack's `userId: ""`): the field is left out;
 * - numeric ids (`userId: 42`) as the strings they stand for;
 * - RudderStack's identify, whose traits travel only in `context.traits`: they are its `traits`;
 * - a `writeKey` or Segment's internal `_metadata` inside an event: never stored.
 */
export function normaliseEvent(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const event = raw as Record<string, unknown>;
  for (const key in event) if (event[key] === null) delete event[key];
  for (const key of IDS) {
    const value = event[key];
    if (value === '') delete event[key];
    else if (typeof value === 'number' && Number.isFinite(value)) event[key] = String(value);
  }
  if (event.type === 'identify' && event.traits === undefined) {
    const context = event.context as Record<string, unknown> | undefined;
    if (typeof context?.traits === 'object' && context.traits !== null && !Array.isArray(context.traits)) event.traits = { ...context.traits };
  }
  delete event.writeKey;
  delete event._metadata;
  return event;
}

const IDS = ['userId', 'anonymousId', 'groupId', 'previousId'] as const;
