/**
 * fetch for service-to-service and device calls over HTTPS that trusts Baton's CA
 * explicitly (no reliance on process-wide NODE_EXTRA_CA_CERTS) and can present a
 * client certificate (a device's MDM certificate on OMA-DM sessions).
 */
import { Agent, fetch as undiciFetch } from 'undici';

export type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface HttpsClientOptions {
  caPem?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  /** Per-request timeout, so a hung peer never hangs a caller. */
  timeoutMs?: number;
  connections?: number;
}

export function createHttpsFetch(options: HttpsClientOptions = {}): Fetch & { close(): Promise<void> } {
  const agent = new Agent({
    connect: {
      ca: options.caPem ? [options.caPem] : undefined,
      cert: options.clientCertPem,
      key: options.clientKeyPem,
    },
    connections: options.connections ?? 16,
    headersTimeout: options.timeoutMs ?? 30_000,
    bodyTimeout: options.timeoutMs ?? 30_000,
  });
  const f = ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as any), dispatcher: agent }) as unknown as Promise<Response>) as Fetch & {
    close(): Promise<void>;
  };
  f.close = () => agent.close();
  return f;
}
