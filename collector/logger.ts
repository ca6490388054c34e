import { pino, type Logger, type LoggerOptions } from 'pino';

/** Credentials never reach the logs. */
export const LOG_REDACTION: LoggerOptions['redact'] = {
  paths: ['writeKey', '*.writeKey', 'req.headers.authorization', 'req.headers["x-write-key"]', 'req.headers.cookie'],
  censor: '[redacted]',
};

/** What an error tells an operator; never its data (a driver's error carries the rows: `sql`, `parameters`, `detail`). */
const ERROR_FIELDS = ['code', 'errno', 'sqlState', 'syscall', 'status', 'statusCode'] as const;

function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const out: Record<string, unknown> = { type: error.name, message: error.message.slice(0, 2000), stack: error.stack };
  for (const field of ERROR_FIELDS) {
    const value = (error as unknown as Record<string, unknown>)[field];
    if (typeof value === 'string' || typeof value === 'number') out[field] = value;
  }
  if (error.cause !== undefined) out.cause = serializeError(error.cause);
  return out;
}

export const LOG_SERIALIZERS: LoggerOptions['serializers'] = { err: serializeError };

/** JSON logs on stdout, or on stderr when stdout carries events (the stdout sink). */
export function createLogger(level: string, { toStderr = false } = {}): Logger {
  return pino({ name: 'touchpoint-collector', level, redact: LOG_REDACTION, serializers: LOG_SERIALIZERS }, pino.destination(toStderr ? 2 : 1));
}

/**
 * A log line that a flood cannot turn into a full disk: at most `perSecond` lines a second; the
 * lines held back are counted in the next one written (`unlogged`).
 */
export function sampledLog(logger: Logger, perSecond: number) {
  let second = 0;
  let written = 0;
  let unlogged = 0;
  return (level: 'debug' | 'info' | 'warn', fields: object, message: string) => {
    if (!logger.isLevelEnabled(level)) return;
    const now = Math.floor(Date.now() / 1000);
    if (now !== second) {
      second = now;
      written = 0;
    }
    if (written >= perSecond) return void unlogged++;
    written++;
    logger[level]({ ...fields, ...(unlogged > 0 && { unlogged }) }, message);
    unlogged = 0;
  };
}
