/**
 * fetch for service-to-service and device calls over HTTPS that trusts Baton's CA
 * explicitly (no reliance on process-wide NODE_EXTRA_CA_CERTS) and can present a
 * client certificate (a device's MDM certificate on OMA-DM sessions).
 */
import type { Socket } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import type { TlsSessionCache } from '../tls/resumption.js';
import { currentTraceparent } from '../tracing/active-span.js';

export type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface HttpsClientOptions {
  caPem?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  /** Per-request timeout, so a hung peer never hangs a caller. */
  timeoutMs?: number;
  connections?: number;
  /**
   * Resume TLS sessions from this cache and keep new ones in it. It must belong to the one
   * identity that `clientCertPem` names: a resumed session presents the certificate of the
   * handshake that created it.
   */
  tlsSessions?: TlsSessionCache;
}

export function createHttpsFetch(options: HttpsClientOptions = {}): Fetch & { close(): Promise<void> } {
  const tlsOptions = {
    ca: options.caPem ? [options.caPem] : undefined,
    cert: options.clientCertPem,
    key: options.clientKeyPem,
  };
  const agent = new Agent({
    connect: options.tlsSessions ? resumingConnector(tlsOptions, options.tlsSessions) : tlsOptions,
    connections: options.connections ?? 16,
    headersTimeout: options.timeoutMs ?? 30_000,
    bodyTimeout: options.timeoutMs ?? 30_000,
  });
  const f = ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(withTraceparent(init) as any), dispatcher: agent }) as unknown as Promise<Response>) as Fetch & {
    close(): Promise<void>;
  };
  f.close = () => agent.close();
  return f;
}

/**
 * A call made while serving a traced request continues that request's trace, unless the
 * caller named a traceparent itself.
 */
function withTraceparent(init: RequestInit | undefined): RequestInit | undefined {
  const traceparent = currentTraceparent();
  if (!traceparent) return init;
  const headers = new Headers(init?.headers);
  if (headers.has('traceparent')) return init;
  headers.set('traceparent', traceparent);
  return { ...init, headers };
}

/**
 * undici's own session cache is per Agent (and holds sessions weakly), so a device that
 * builds a client per poll would never resume: this connector reads and feeds a cache the
 * caller keeps for as long as the identity lives.
 */
export function resumingConnector(tlsOptions: buildConnector.BuildOptions, cache: TlsSessionCache): buildConnector.connector {
  return (options, callback) => {
    const origin = `${options.protocol}//${options.hostname}:${options.port}`;
    const session = cache.get(origin);
    const connect = buildConnector({ ...tlsOptions, maxCachedSessions: 0, ...(session ? { session } : {}) });
    const socket = connect(options, callback) as unknown as Socket | undefined;
    socket?.on('session', (ticket: Buffer) => cache.set(origin, ticket));
  };
}
