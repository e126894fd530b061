/** Registration of a tenant's own applications (clients that sign users in). */
import { randomUUID } from 'node:crypto';
import type { TenantRecord } from '../store/store.js';
import { lastingSecret } from './client-secrets.js';
import type { IdentityDeps } from './deps.js';

export interface ApplicationInput {
  displayName: string;
  /** Exact redirect URIs; the authorization endpoint accepts nothing else. */
  redirectUris: string[];
  /** A confidential client's secret; public clients (native, device code) have none. */
  secret?: string;
  roles?: string[];
  appId?: string;
  /**
   * private_key_jwt: the public keys the client signs assertions with, each a JWK with its kid
   * (configured keys), or a Graph keyCredential's key with its certificate's metadata.
   */
  publicKeys?: ReadonlyArray<JsonWebKey & { kid: string }>;
}

/** Throws, naming the URI, unless it is one the authorization endpoint may redirect to. */
export function checkRedirectUri(uri: string): void {
  if (!URL.canParse(uri)) throw new Error(`Redirect URI '${uri}' is not an absolute URL.`);
  const url = new URL(uri);
  // https only, except the loopback redirect native apps use (RFC 8252 §7.3).
  const loopback = url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === '[::1]' || url.hostname === 'localhost');
  if (url.protocol !== 'https:' && !loopback) throw new Error(`Redirect URI '${uri}' must use https (or http on the loopback address).`);
  if (url.hash) throw new Error(`Redirect URI '${uri}' must not carry a fragment.`);
}

export async function registerApplication(deps: IdentityDeps, tenant: TenantRecord, input: ApplicationInput): Promise<{ appId: string }> {
  for (const uri of input.redirectUris) checkRedirectUri(uri);
  if (input.publicKeys?.some((key) => 'd' in key)) throw new Error('A client key must be public: it carries a private part (d).');
  const appId = (input.appId ?? randomUUID()).toLowerCase();
  const now = deps.now().toISOString();
  await deps.atomically(async ({ store, signin }) => {
    await store.upsertApplication({
      tenantId: tenant.id,
      appId,
      displayName: input.displayName,
      secrets: input.secret ? [lastingSecret(deps.secrets.digest(input.secret), now)] : [],
      roles: input.roles ?? [],
      isPublic: !input.secret && !input.publicKeys?.length,
      mdm: null,
      createdAt: now,
      modifiedAt: now,
    });
    for (const uri of input.redirectUris) await signin.addRedirectUri(tenant.id, appId, uri);
    for (const key of input.publicKeys ?? []) await signin.addClientKey(tenant.id, appId, key.kid, JSON.stringify(key));
  });
  return { appId };
}
