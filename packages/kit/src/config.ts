/**
 * Configuration from the environment, validated once at start-up so that a typo
 * fails loudly instead of silently falling back.
 *
 * | variable              | default        | meaning |
 * |-----------------------|----------------|---------|
 * | BATON_PORT            | 8443           | HTTPS port (0 picks a free one) |
 * | BATON_HOST            | 127.0.0.1      | listen address |
 * | BATON_DATA_DIR        | ./.baton       | SQLite files, CA, secrets, demo.json |
 * | BATON_DATABASE_URL    | (unset)        | PostgreSQL URL; when set, replaces SQLite |
 * | BATON_PUBLIC_URL      | https://localhost:<port> | the URL devices and clients reach Baton at |
 * | BATON_HOSTNAMES       | (unset)        | extra comma-separated DNS names for the server certificate |
 * | BATON_SECRET_KEY      | (data dir)     | key for secrets at rest; else <data>/secret.key is created |
 * | BATON_LOG_LEVEL       | info           | pino level: fatal, error, warn, info, debug, trace, silent |
 * | BATON_TLS_CERT/KEY    | (unset)        | operator-supplied PEM certificate and key instead of the local CA |
 * | BATON_MDM_RAW_RETENTION_DAYS | 7       | days management keeps raw OMA-DM requests and ended sessions |
 * | BATON_MDM_CERT_VALIDITY_DAYS | 365     | life of the MDM client certificates management issues (fractions allowed, to rehearse expiry) |
 */
import { otlpHeaders, otlpTracesEndpoint } from './tracing/tracing.js';
import { resolve } from 'node:path';

export interface BatonConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  publicUrl?: string;
  hostnames: string[];
  secretKey?: string;
  logLevel: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Days management keeps raw OMA-DM requests (audit trail); older ones are pruned. */
  mdmRawRetentionDays: number;
  /** OTLP/HTTP traces URL from the standard OTEL_EXPORTER_OTLP_* variables; traces are off without it. */
  otlpEndpoint?: string;
  /** OTEL_EXPORTER_OTLP_HEADERS (or _TRACES_HEADERS): headers the collector wants. */
  otlpHeaders?: Record<string, string>;
  /** Life of the MDM client certificates management issues at enrollment and renewal. */
  mdmCertificateValidityDays: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

function parsePort(variable: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new ConfigError(variable, `expected a port number, got "${raw}"`);
  const port = Number(raw);
  if (port > 65535) throw new ConfigError(variable, `port ${port} is above 65535`);
  return port;
}

function parseUrl(variable: string, raw: string, protocols: string[]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, `not a URL: "${raw}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(variable, `expected ${protocols.join(' or ')} URL, got ${url.protocol}`);
  }
  return raw.replace(/\/+$/, '');
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<BatonConfig> = {},
): BatonConfig {
  const logLevel = overrides.logLevel ?? env.BATON_LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) throw new ConfigError('BATON_LOG_LEVEL', `unknown level "${logLevel}"`);
  const databaseUrl =
    overrides.databaseUrl ??
    (env.BATON_DATABASE_URL ? parseUrl('BATON_DATABASE_URL', env.BATON_DATABASE_URL, ['postgres:', 'postgresql:']) : undefined);
  const publicUrl =
    overrides.publicUrl ?? (env.BATON_PUBLIC_URL ? parseUrl('BATON_PUBLIC_URL', env.BATON_PUBLIC_URL, ['https:']) : undefined);
  const hostnames =
    overrides.hostnames ??
    (env.BATON_HOSTNAMES ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
  for (const h of hostnames) {
    if (!/^[A-Za-z0-9.-]+$/.test(h)) throw new ConfigError('BATON_HOSTNAMES', `not a DNS name: "${h}"`);
  }
  const tlsCertFile = overrides.tlsCertFile ?? env.BATON_TLS_CERT;
  const tlsKeyFile = overrides.tlsKeyFile ?? env.BATON_TLS_KEY;
  if (Boolean(tlsCertFile) !== Boolean(tlsKeyFile)) {
    throw new ConfigError('BATON_TLS_CERT', 'BATON_TLS_CERT and BATON_TLS_KEY go together');
  }
  const retention = overrides.mdmRawRetentionDays ?? Number(env.BATON_MDM_RAW_RETENTION_DAYS ?? '7');
  if (!Number.isFinite(retention) || retention <= 0) {
    throw new ConfigError('BATON_MDM_RAW_RETENTION_DAYS', `expected a positive number of days, got "${env.BATON_MDM_RAW_RETENTION_DAYS}"`);
  }
  const otlpRaw = otlpTracesEndpoint(env);
  const otlpEndpoint = overrides.otlpEndpoint ?? (otlpRaw ? parseUrl('OTEL_EXPORTER_OTLP_ENDPOINT', otlpRaw, ['http:', 'https:']) : undefined);
  const validity = overrides.mdmCertificateValidityDays ?? Number(env.BATON_MDM_CERT_VALIDITY_DAYS ?? '365');
  if (!Number.isFinite(validity) || validity <= 0 || validity > 3650) {
    throw new ConfigError('BATON_MDM_CERT_VALIDITY_DAYS', `expected a number of days above 0 and at most 3650, got "${env.BATON_MDM_CERT_VALIDITY_DAYS}"`);
  }
  return {
    port: overrides.port ?? parsePort('BATON_PORT', env.BATON_PORT ?? '8443'),
    host: overrides.host ?? env.BATON_HOST ?? '127.0.0.1',
    dataDir: resolve(overrides.dataDir ?? env.BATON_DATA_DIR ?? '.baton'),
    databaseUrl,
    publicUrl,
    hostnames,
    secretKey: overrides.secretKey ?? env.BATON_SECRET_KEY,
    logLevel,
    tlsCertFile,
    tlsKeyFile,
    mdmRawRetentionDays: retention,
    otlpEndpoint,
    otlpHeaders: overrides.otlpHeaders ?? otlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS),
    mdmCertificateValidityDays: validity,
  };
}
