import type { TouchpointEvent } from '../../../sdk/protocol/types';
import type { TimeFields } from '../../records';
import type { EnrichStep } from './step';

/** Beyond this, a clock is not skewed but wrong (or the event was queued offline for days). */
export const MAX_SKEW_MS = 24 * 60 * 60 * 1000;

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
let formattedDay = NaN;
let dayPrefix = '';

/**
 * `new Date(ms).toISOString()`, from a cached date part and tables for the time of day: the
 * built-in costs ~0.8 µs, and every event with a client time needs one (its corrected timestamp).
 */
export function isoTime(ms: number): string {
  const t = Math.trunc(ms); // as Date does
  if (!(Math.abs(t) <= 8.64e15)) return new Date(t).toISOString(); // out of range: Date's own error
  const day = Math.floor(t / DAY_MS) * DAY_MS;
  if (day !== formattedDay) {
    formattedDay = day;
    dayPrefix = new Date(day).toISOString().slice(0, -13); // 'YYYY-MM-DDT' (or '+YYYYYY-MM-DDT')
  }
  let rest = t - day;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  return `${dayPrefix}${TWO_DIGITS[(rest - minutes) / 60]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[millis]}Z`;
}

let parsedText: string | undefined;
let parsedMs = NaN;
/** Date.parse, remembering the last text: a batch's events share its sentAt. */
function parseSentAt(text: string): number {
  if (text !== parsedText) {
    parsedText = text;
    parsedMs = Date.parse(text);
  }
  return parsedMs;
}

/**
 * Keeps the client's time as `originalTimestamp` and corrects `timestamp` for the client's
 * clock skew as Segment does: receivedAt − (sentAt − originalTimestamp). A skew over ±24 h is
 * not corrected; the client time is kept and the event flagged in `context.clockSkew`. The client
 * time is `originalTimestamp` where the client sends one (RudderStack), and then a `timestamp` sent
 * beside it is the user's own (a back-dated event) and is kept as it is; else it is `timestamp`.
 */
export function stampTime(
  event: TouchpointEvent,
  receivedAt: Date,
  batchSentAt: string | undefined,
  // The same for every event of a request: the caller may format it once.
  receivedAt_ = receivedAt.toISOString(),
): TimeFields & { skewFlag?: number } {
  const original = event.originalTimestamp ?? event.timestamp;
  const sent = event.sentAt ?? batchSentAt;
  const fields: TimeFields & { skewFlag?: number } = { timestamp: original ?? receivedAt_, receivedAt: receivedAt_ };
  if (original) fields.originalTimestamp = original;
  if (sent) fields.sentAt = sent;
  if (event.originalTimestamp && event.timestamp) fields.timestamp = event.timestamp;
  else if (original && sent) {
    const skew = parseSentAt(sent) - receivedAt.getTime();
    if (Math.abs(skew) <= MAX_SKEW_MS) fields.timestamp = isoTime(Date.parse(original) - skew);
    else fields.skewFlag = skew;
  }
  return fields;
}

/**
 * The time step: `receivedAt`, the client's time kept as `originalTimestamp`, `timestamp` corrected
 * for skew (or `context.clockSkew` when it is too large to correct).
 */
export function timeStep(): EnrichStep {
  // Every event of a request shares its receive time: formatted once.
  let formattedFor: Date | undefined;
  let receivedAt = '';
  return (event, request) => {
    if (request.receivedAt !== formattedFor) {
      formattedFor = request.receivedAt;
      receivedAt = formattedFor.toISOString();
    }
    const time = stampTime(event, request.receivedAt, request.sentAt, receivedAt);
    event.timestamp = time.timestamp;
    if (time.originalTimestamp !== undefined) event.originalTimestamp = time.originalTimestamp;
    if (time.sentAt !== undefined) event.sentAt = time.sentAt;
    event.receivedAt = time.receivedAt;
    if (time.skewFlag !== undefined) event.context.clockSkew = { ms: time.skewFlag, corrected: false };
  };
}
