import { pino, type Logger, type LoggerOptions } from 'pino';

/** Credentials never reach the logs. */
export const LOG_REDACTION: LoggerOptions['redact'] = {
  paths: ['writeKey', '*.writeKey', 'req.headers.authorization', 'req.headers["x-write-key"]', 'req.headers.cookie'],
  censor: '[redacted]',
};

/** JSON logs on stdout. */
export function createLogger(level: string): Logger {
  return pino({ name: 'touchpoint-collector', level, redact: LOG_REDACTION });
}
