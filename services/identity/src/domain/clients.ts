/**
 * Client authentication at the token endpoint. Baton's own service applications are
 * first-party and multi-tenant: they exist in every tenant, with credentials from the
 * host and roles from contracts. Every other client is registered in the tenant.
 */
import { SERVICE_APP_IDS, SERVICE_APP_ROLES, SERVICE_NAMES, type ServiceName } from '@baton/contracts';
import { timingSafeEqual } from 'node:crypto';
import { oauthErrors } from '../errors.js';
import type { TenantRecord } from '../store/store.js';
import { checkSecret } from './client-secrets.js';
import type { IdentityDeps } from './deps.js';
import { secretsEqual } from './compare.js';
import { isGuid } from './ids.js';
import { verifyClientAssertion } from './client-assertion.js';

export interface AuthenticatedClient {
  clientId: string;
  confidential: boolean;
  roles: string[];
  /** `azpacr`: 0 public client, 1 client secret, 2 private key (certificate) assertion. */
  authMethod: '0' | '1' | '2';
}

export interface ClientCredentials {
  clientId?: string;
  clientSecret?: string;
  /** private_key_jwt: the signed assertion and its type. */
  clientAssertion?: string;
  clientAssertionType?: string;
}

function serviceNameOf(clientId: string): ServiceName | undefined {
  return SERVICE_NAMES.find((name) => SERVICE_APP_IDS[name] === clientId);
}

/** Finds and authenticates the client; a secret is checked whenever one is required or given. */
export async function authenticateClient(
  deps: IdentityDeps,
  tenant: TenantRecord,
  credentials: ClientCredentials,
): Promise<AuthenticatedClient> {
  if (credentials.clientAssertion) return assertedClient(deps, tenant, credentials);
  const rawId = credentials.clientId;
  if (!rawId) throw oauthErrors.missingParameter('client_id');
  if (!isGuid(rawId)) throw oauthErrors.unknownClient(rawId);
  const clientId = rawId.toLowerCase();
  const secret = credentials.clientSecret;

  const service = serviceNameOf(clientId);
  if (service) {
    if (!secret) throw oauthErrors.missingClientSecret();
    if (!secretsEqual(secret, deps.serviceCredentials[service].clientSecret)) throw oauthErrors.invalidClientSecret();
    return { clientId, confidential: true, roles: [...SERVICE_APP_ROLES[service]], authMethod: '1' };
  }

  const app = await deps.directoryCache.applications.get(`${tenant.id}:${clientId}`, () => deps.store.findApplication(tenant.id, clientId));
  if (!app) throw oauthErrors.unknownClient(clientId);
  if (app.isPublic) {
    if (secret) throw oauthErrors.publicClientNotAllowed();
    return { clientId, confidential: false, roles: [], authMethod: '0' };
  }
  if (!secret) throw oauthErrors.missingClientSecret();
  const check = checkSecret(app.secrets, deps.secrets.digest(secret), deps.now(), digestsEqual);
  if (check === 'expired') throw oauthErrors.expiredClientSecret(clientId);
  if (check === 'wrong') throw oauthErrors.invalidClientSecret();
  return { clientId, confidential: true, roles: app.roles, authMethod: '1' };
}

async function assertedClient(deps: IdentityDeps, tenant: TenantRecord, credentials: ClientCredentials): Promise<AuthenticatedClient> {
  if (credentials.clientSecret) throw oauthErrors.malformed('Send either client_secret or client_assertion, not both.');
  const clientId = await verifyClientAssertion(deps, tenant, credentials.clientAssertion!, credentials.clientAssertionType);
  if (credentials.clientId && credentials.clientId.toLowerCase() !== clientId) throw oauthErrors.malformed('client_id differs from the assertion.');
  const app = await deps.directoryCache.applications.get(`${tenant.id}:${clientId}`, () => deps.store.findApplication(tenant.id, clientId));
  if (!app || app.isPublic) throw oauthErrors.unknownClient(clientId);
  return { clientId, confidential: true, roles: app.roles, authMethod: '2' };
}

function digestsEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** client_secret_basic: both parts are form-urlencoded inside the base64 (RFC 6749 §2.3.1). */
export function basicCredentials(header: string | undefined): ClientCredentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}
