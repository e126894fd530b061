/**
 * Gets client-credentials tokens from identity for a service's own application and
 * caches them per tenant and scope until shortly before they expire.
 */
import type { Fetch } from '../http/https-client.js';

export interface ServiceCredentials {
  clientId: string;
  clientSecret: string;
}

export class ServiceTokenClient {
  private readonly cache = new Map<string, { token: string; expiresAt: number }>();

  constructor(
    private readonly identityUrl: string,
    private readonly credentials: ServiceCredentials,
    private readonly fetch: Fetch,
  ) {}

  async token(tenantId: string, scope: string): Promise<string> {
    const key = `${tenantId} ${scope}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt - 60_000 > Date.now()) return cached.token;
    const response = await this.fetch(`${this.identityUrl}/${tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.credentials.clientId,
        client_secret: this.credentials.clientSecret,
        scope,
      }).toString(),
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof body.access_token !== 'string') {
      throw new Error(`token request for ${scope} failed: ${response.status} ${String(body.error ?? '')} ${String(body.error_description ?? '')}`.trim());
    }
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in ?? 3600);
    this.cache.set(key, { token: body.access_token, expiresAt: Date.now() + expiresIn * 1000 });
    return body.access_token;
  }
}
