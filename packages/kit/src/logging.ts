import pino, { type Logger } from 'pino';

/** One pino logger per process; each service gets a child bound to its name. */
export function createLogger(level: string = process.env.BATON_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'password', 'client_secret'], censor: '[redacted]' },
  });
}

export type { Logger };
