/** Discovery documents: OpenID Connect per tenant, and MS-DVRD device registration. */
import { DRS_RESOURCE, IDENTITY_PATHS, type DeviceRegistrationDiscovery } from '@baton/contracts';
import type { TenantRecord } from '../store/store.js';
import type { TenantKey } from './signing-keys.js';
import type { IdentityUrls } from './urls.js';

export function openidConfiguration(urls: IdentityUrls, tenant: TenantRecord, grantTypes: readonly string[]) {
  const tid = tenant.id;
  return {
    issuer: urls.issuer(tid),
    authorization_endpoint: urls.authorize(tid),
    token_endpoint: urls.token(tid),
    jwks_uri: urls.keys(tid),
    device_authorization_endpoint: urls.deviceCode(tid),
    userinfo_endpoint: urls.userinfo(tid),
    end_session_endpoint: urls.logout(tid),
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['ES256', 'ES384', 'RS256', 'PS256'],
    grant_types_supported: grantTypes,
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'form_post'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    http_logout_supported: true,
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['ES256'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'name', 'preferred_username', 'email', 'oid', 'tid', 'ver', 'amr', 'auth_time', 'nonce', 'sid'],
    request_uri_parameter_supported: false,
    tenant_region_scope: null,
    cloud_instance_name: new URL(urls.root).host,
    msgraph_host: new URL(urls.root).host,
  };
}

export function jwks(key: TenantKey) {
  return { keys: [key.publicJwk] };
}

export function deviceRegistrationDiscovery(urls: IdentityUrls, tenant: TenantRecord): DeviceRegistrationDiscovery {
  const tid = tenant.id;
  return {
    DeviceRegistrationService: {
      RegistrationEndpoint: urls.deviceRegistration(tid),
      RegistrationResourceId: DRS_RESOURCE,
      ServiceVersion: '1.0',
    },
    AuthenticationService: { OAuth2: { AuthCodeEndpoint: urls.authorize(tid), TokenEndpoint: urls.token(tid) } },
    DeviceJoinService: { JoinEndpoint: urls.join(tid), JoinResourceId: DRS_RESOURCE, ServiceVersion: '2.0' },
    TenantInfo: { TenantId: tid, TenantName: tenant.domain, DisplayName: tenant.displayName },
    DeviceAttestationService: {
      ChallengeEndpoint: urls.root + IDENTITY_PATHS.attestationChallenge(tid),
      ActivateEndpoint: urls.root + IDENTITY_PATHS.attestationActivate(tid),
    },
    DeviceManagementService: { BitLockerKeyEscrowEndpoint: urls.root + IDENTITY_PATHS.bitLockerKeyEscrow(tid) },
  };
}

/** The pseudo-tenants whose discovery documents are templates: the home tenant is not known yet. */
export const MULTI_TENANT_AUTHORITIES = new Set(['common', 'organizations']);

/**
 * Discovery for `common` / `organizations`, as Microsoft publishes it: `{tenantid}` stands
 * for the tenant in the issuer and the endpoints (MSAL substitutes it; strict OIDC clients
 * should use a tenant's own document, whose issuer is concrete).
 */
export function multiTenantOpenidConfiguration(urls: IdentityUrls, grantTypes: readonly string[]) {
  const template = '{tenantid}';
  return {
    ...openidConfiguration(urls, { id: template } as TenantRecord, grantTypes),
    tenant_region_scope: null,
  };
}
