import { pino, type Logger, type LoggerOptions } from 'pino';

/** Credentials never reach the logs. */
export const LOG_REDACTION: LoggerOptions['redact'] = {
  paths: ['writeKey', '*.writeKey', 'req.headers.authorization', 'req.headers["x-write-key"]', 'req.headers.cookie'],
  censor: '[redacted]',
};

/** JSON logs on stdout, or on stderr when stdout carries events (the stdout sink). */
export function createLogger(level: string, { toStderr = false } = {}): Logger {
  return pino({ name: 'touchpoint-collector', level, redact: LOG_REDACTION }, pino.destination(toStderr ? 2 : 1));
}
