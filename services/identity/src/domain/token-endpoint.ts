/**
 * The token endpoint's contract with its transport. The route only parses the form and
 * renders the result; everything OAuth happens behind this interface, so the core can be
 * replaced (by an oidc-provider based one) without touching routes or tests.
 */
import type { TenantRecord } from '../store/store.js';
import type { ClientCredentials } from './clients.js';

export interface TokenRequest {
  /** The form parameters, each a single string. */
  params: Readonly<Record<string, string | undefined>>;
  /** Credentials from `Authorization: Basic`, when the client used client_secret_basic. */
  basic?: ClientCredentials;
  /** The caller's address, for per-IP rate limits. */
  ip?: string;
}

export interface TokenResponse {
  token_type: 'Bearer';
  scope?: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
}

export interface TokenEndpoint {
  /** Answers a token request, or throws an OAuthError. */
  exchange(tenant: TenantRecord, request: TokenRequest): Promise<TokenResponse>;
  readonly grantTypes: readonly string[];
}
