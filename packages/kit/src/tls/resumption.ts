/**
 * TLS session resumption, both ends.
 *
 * Server: TLS 1.3 session tickets sealed with keys derived from Baton's secret key, so
 * every replica (and the same replica after a restart) can resume a session another one
 * began, and a lifetime long enough to span a device's poll interval. Node exposes the
 * client certificate of the original handshake on a resumed connection
 * (`getPeerCertificate()` reads it from the session), so a service that authenticates
 * by certificate keeps doing so on every request; resumption only skips the handshake's
 * public-key work. A resumed session never re-presents the certificate, so whatever
 * makes a certificate unacceptable later (revoked, replaced, enrollment retired) must be
 * checked by the service on every request, not only at the first handshake.
 *
 * Client: a TLS session cache that belongs to one client identity, as WinHTTP keeps one
 * per process and Windows' MDM client runs as the device. Sharing a cache between two
 * identities would let the second one resume, and so present, the first one's
 * certificate: keep one cache per device.
 */
import { hkdfSync } from 'node:crypto';

/** Windows polls every 8 hours once settled; a ticket should outlive one interval. */
export const DEFAULT_TLS_SESSION_LIFETIME_SECONDS = 12 * 3600;

export interface TlsResumptionOptions {
  /** 48 bytes: ticket name, HMAC key and AES key, as tls.createServer wants them. */
  ticketKeys: Buffer;
  sessionTimeout: number;
}

export function tlsResumptionOptions(secretKey: Buffer, lifetimeSeconds = DEFAULT_TLS_SESSION_LIFETIME_SECONDS): TlsResumptionOptions {
  const ticketKeys = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'baton tls session tickets v1', 48));
  return { ticketKeys, sessionTimeout: lifetimeSeconds };
}

/** The last TLS session per origin for one client identity; bounded, oldest dropped first. */
export class TlsSessionCache {
  private readonly sessions = new Map<string, Buffer>();

  constructor(private readonly max = 16) {}

  get(origin: string): Buffer | undefined {
    return this.sessions.get(origin);
  }

  set(origin: string, session: Buffer): void {
    this.sessions.delete(origin);
    this.sessions.set(origin, session);
    if (this.sessions.size > this.max) this.sessions.delete(this.sessions.keys().next().value!);
  }

  forget(origin: string): void {
    this.sessions.delete(origin);
  }

  get size(): number {
    return this.sessions.size;
  }
}
