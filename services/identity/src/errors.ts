/**
 * The identity service's error catalogue. Each protocol answers in its own shape:
 * the token and OIDC endpoints with OAuth JSON carrying Entra's AADSTS codes (MSAL
 * reads `error_codes`), device registration with DRS JSON, Graph with the envelope.
 */
import { randomUUID } from 'node:crypto';
import { GraphError, graphErrors } from '@baton/kit';
import { SELF_DEPLOYING_ERRORS } from '@baton/contracts';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_resource'
  | 'invalid_tenant'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'access_denied'
  | 'temporarily_unavailable'
  | 'interaction_required';

export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    /** Entra's AADSTS number, without the prefix. */
    readonly aadsts: number,
    message: string,
    readonly statusCode: 400 | 401 | 429 = 400,
    /** Seconds a rate-limited caller should wait (sent as Retry-After). */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'OAuthError';
  }
}

export const oauthErrors = {
  invalidTenant: (tenant: string) =>
    new OAuthError('invalid_tenant', 90002, `Tenant '${tenant.slice(0, 100)}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`),
  missingParameter: (name: string) =>
    new OAuthError('invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  malformed: (detail: string) => new OAuthError('invalid_request', 90014, `The request is malformed: ${detail}`),
  unsupportedGrant: (grant: string) =>
    new OAuthError('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant.slice(0, 100)}'.`),
  unknownClient: (clientId: string) =>
    new OAuthError(
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId.slice(0, 100)}' was not found in the directory.`,
    ),
  invalidClientSecret: () => new OAuthError('invalid_client', 7000215, 'Invalid client secret provided.', 401),
  expiredClientSecret: (appId: string) => new OAuthError('invalid_client', 7000222, `The provided client secret keys for app '${appId}' are expired.`, 401),
  missingClientSecret: () =>
    new OAuthError('invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", 401),
  publicClientNotAllowed: () =>
    new OAuthError('unauthorized_client', 700025, 'Client is public so neither client_assertion nor client_secret should be presented.'),
  invalidCredentials: () =>
    new OAuthError('invalid_grant', 50126, 'Error validating credentials due to invalid username or password.'),
  userDisabled: () => new OAuthError('invalid_grant', 50057, 'The user account is disabled.'),
  invalidScope: (detail: string) => new OAuthError('invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. ${detail}`),
  clientCredentialsScope: () =>
    new OAuthError(
      'invalid_scope',
      1002012,
      "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.",
    ),
  unknownResource: (resource: string) =>
    new OAuthError('invalid_resource', 500011, `The resource principal named ${resource.slice(0, 200)} was not found in the tenant.`),
  refreshTokenInvalid: () =>
    new OAuthError('invalid_grant', 70008, 'The provided refresh token has expired or been revoked.'),
  refreshTokenWrongClient: () =>
    new OAuthError('invalid_grant', 70000, 'The refresh token was issued to a different client.'),
  refreshTokenReplayed: () =>
    new OAuthError('invalid_grant', 70008, 'The refresh token was already used; every token of this sign-in has been revoked.'),
  deviceAuthFailed: (detail: string) => new OAuthError('invalid_grant', 50155, `Device authentication failed. ${detail}`),
  deviceNotFound: () => new OAuthError('invalid_grant', 700003, 'Device object was not found in the tenant directory.'),
  deviceDisabled: () => new OAuthError('invalid_grant', 135011, 'Device used during the authentication is disabled.'),
  deviceCertificateRevoked: (reason: string) =>
    new OAuthError('invalid_grant', 50155, `Device authentication failed. The device certificate has been revoked (${reason}).`),
  invalidClientAssertion: (detail: string) => new OAuthError('invalid_client', 700027, `Client assertion failed signature validation. ${detail}`, 401),
  accountLocked: () =>
    new OAuthError('invalid_grant', 50053, 'The account is locked because the user tried to sign in too many times with an incorrect user ID or password.'),
  rateLimited: (retryAfterS: number) =>
    new OAuthError('temporarily_unavailable', 50196, 'Too many sign-in attempts; wait before trying again.', 429, retryAfterS),
  mfaRequired: () =>
    new OAuthError('invalid_grant', 50076, 'Multi-factor authentication is required for this user; use an interactive flow (authorization code or device code).'),
  codeInvalid: () => new OAuthError('invalid_grant', 70008, 'The provided authorization code has expired or is not valid.'),
  codeRedeemed: () =>
    new OAuthError('invalid_grant', 54005, 'The authorization code was already redeemed; the tokens issued from it have been revoked.'),
  codeWrongClient: () => new OAuthError('invalid_grant', 70000, 'The authorization code was issued to a different client.'),
  redirectMismatch: () =>
    new OAuthError('invalid_grant', 50011, "The 'redirect_uri' does not match the one the authorization code was issued for."),
  pkceMismatch: () =>
    new OAuthError('invalid_grant', 501481, 'The code_verifier does not match the code_challenge supplied in the authorization request.'),
  authorizationPending: () =>
    new OAuthError('authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.'),
  slowDown: () => new OAuthError('slow_down', 70016, 'The client is polling too fast; wait longer between polls.'),
  expiredToken: () => new OAuthError('expired_token', 70019, 'The device code has expired.'),
  deviceCodeDeclined: () => new OAuthError('access_denied', 70000, 'The user declined the sign-in.'),
  deviceCodeInvalid: () => new OAuthError('invalid_grant', 70000, 'The device code is not valid.'),
};

/** OAuth error JSON as the Microsoft identity platform writes it. */
export function oauthErrorBody(error: OAuthError, traceId: string, correlationId: string) {
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
  return {
    error: error.error,
    error_description: `AADSTS${error.aadsts}: ${error.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [error.aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
  };
}

export type DrsSubcode =
  | 'error_invalid_body'
  | 'error_invalid_csr'
  | 'error_invalid_join_type'
  | 'error_missing_token'
  | 'error_invalid_token'
  | 'error_tenant_not_found'
  | 'error_tenant_mismatch'
  | 'error_device_conflict'
  | 'error_mdm_not_configured'
  | 'error_tpm_attestation_failed'
  | 'error_device_auth_failed'
  | 'error_device_not_found'
  | 'error_device_disabled'
  | 'error_key_conflict';

export class DrsError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly subcode: DrsSubcode,
    message: string,
  ) {
    super(message);
    this.name = 'DrsError';
  }
}

export const drsErrors = {
  invalidBody: (message: string) => new DrsError(400, 'invalid_request', 'error_invalid_body', message),
  invalidCsr: (message: string) => new DrsError(400, 'invalid_request', 'error_invalid_csr', message),
  invalidJoinType: (joinType: number) =>
    new DrsError(400, 'invalid_request', 'error_invalid_join_type', `JoinType ${joinType} is not supported; use 0 (join) or 4 (register).`),
  missingToken: () => new DrsError(401, 'unauthorized', 'error_missing_token', 'An access token for the device registration service is required.'),
  invalidToken: (reason: string) => new DrsError(401, 'unauthorized', 'error_invalid_token', `The access token was rejected: ${reason}`),
  tenantNotFound: (tenant: string) =>
    new DrsError(400, 'invalid_request', 'error_tenant_not_found', `Tenant '${tenant.slice(0, 100)}' not found.`),
  tenantMismatch: () =>
    new DrsError(401, 'unauthorized', 'error_tenant_mismatch', 'The access token was issued for a different tenant.'),
  deviceConflict: () =>
    new DrsError(409, 'conflict', 'error_device_conflict', 'Another join for this device is in progress; retry.'),
  mdmNotConfigured: () =>
    new DrsError(503, 'service_unavailable', 'error_mdm_not_configured', 'The tenant has no MDM application registered.'),
  /**
   * TPM key attestation refused (0x801C03EA on the device). `reason` is recorded in identity's
   * feed; the device is told only that attestation failed.
   */
  tpmAttestationFailed: (reason: TpmAttestationRefusal, message: string) => new TpmAttestationError(reason, message),
  /** A device-signed request (key escrow) whose signature, certificate or lifetime does not hold. */
  deviceAuthFailed: (detail: string) => new DrsError(401, 'unauthorized', 'error_device_auth_failed', `Device authentication failed. ${detail}`),
  /** The certificate's device object was deleted: the device must join again. */
  deviceNotFound: () => new DrsError(403, 'forbidden', 'error_device_not_found', 'Device object was not found in the tenant directory.'),
  deviceDisabled: () => new DrsError(403, 'forbidden', 'error_device_disabled', 'The device is disabled.'),
  keyOfAnotherDevice: () => new DrsError(409, 'conflict', 'error_key_conflict', 'Another device escrowed a recovery key with this id.'),
};

export type TpmAttestationRefusal =
  | 'malformed'
  | 'endorsementKeyNotRegistered'
  | 'notSelfDeploying'
  | 'challengeExpired'
  | 'wrongAnswer'
  | 'aikCertificateInvalid'
  | 'keyNotCertified'
  | 'notShared'
  | 'discoveryUnavailable';

export class TpmAttestationError extends DrsError {
  readonly hresult = SELF_DEPLOYING_ERRORS.tpmAttestationFailed;

  constructor(
    readonly reason: TpmAttestationRefusal,
    message: string,
  ) {
    super(reason === 'discoveryUnavailable' ? 503 : 400, reason === 'discoveryUnavailable' ? 'service_unavailable' : 'invalid_request', 'error_tpm_attestation_failed', message);
  }
}

/**
 * DRS error JSON. `error` repeats `code` because OAuth-minded clients look for it
 * there; Windows' join client reads `code` and `subcode`.
 */
export function drsErrorBody(error: DrsError, requestId: string) {
  return {
    code: error.code,
    subcode: error.subcode,
    message: error.message,
    error: error.code,
    operationId: randomUUID(),
    requestId,
    time: new Date().toISOString(),
    ...(error instanceof TpmAttestationError ? { hresult: error.hresult } : {}),
  };
}

/** Graph errors of the directory surface, in the envelope kit renders. */
export const identityGraphErrors = {
  ...graphErrors,
  deviceNotFound: (id: string) =>
    new GraphError(404, 'Request_ResourceNotFound', `Resource '${id.slice(0, 100)}' does not exist or one of its queried reference-property objects are not present.`),
  userNotFound: (id: string) =>
    new GraphError(404, 'Request_ResourceNotFound', `Resource '${id.slice(0, 100)}' does not exist or one of its queried reference-property objects are not present.`),
  groupNotFound: (id: string) =>
    new GraphError(404, 'Request_ResourceNotFound', `Resource '${id.slice(0, 100)}' does not exist or one of its queried reference-property objects are not present.`),
  objectNotFound: (id: string) =>
    new GraphError(404, 'Request_ResourceNotFound', `Resource '${id.slice(0, 100)}' does not exist or one of its queried reference-property objects are not present.`),
  unsupportedQuery: (message: string) => new GraphError(400, 'Request_UnsupportedQuery', message),
  invalidValue: (message: string) => new GraphError(400, 'Request_BadRequest', message),
};
