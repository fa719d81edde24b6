import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout. Credentials never reach the log. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'puente' },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie', '*.token'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
