import { pino, type Logger } from 'pino';

/** JSON logs on stdout; credentials never reach them. */
export function createLogger(level: string): Logger {
  return pino({
    name: 'touchpoint-collector',
    level,
    redact: { paths: ['writeKey', '*.writeKey', 'req.headers.authorization', 'req.headers["x-write-key"]'], censor: '[redacted]' },
  });
}
