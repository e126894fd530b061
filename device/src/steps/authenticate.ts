/**
 * Step 2: the user signs in during OOBE. The token endpoint is read from identity's OIDC
 * metadata, found under the authority discovery named.
 */
import { DEVICE_AGENT_CLIENT_ID, DRS_RESOURCE } from '@baton/contracts';
import { getJson, json, postForm, requireString, requireUrl, type DeviceHttp } from '../http.js';

export interface AuthenticateInput {
  authority: string;
  upn: string;
  password: string;
}

export interface AuthenticateFacts {
  issuer: string;
  tokenEndpoint: string;
  accessToken: string;
  refreshToken: string;
  idToken?: string;
}

interface OpenIdConfiguration {
  issuer?: string;
  token_endpoint?: string;
}

interface TokenAnswer {
  token_type?: string;
  access_token?: string;
  refresh_token?: string;
  id_token?: string;
}

export function openIdConfigurationUrl(authority: string): string {
  return `${authority.replace(/\/+$/, '')}/v2.0/.well-known/openid-configuration`;
}

export async function authenticate(http: DeviceHttp, input: AuthenticateInput): Promise<AuthenticateFacts> {
  const configUrl = openIdConfigurationUrl(input.authority);
  const config = json<OpenIdConfiguration>('identity', configUrl, await getJson(http, 'identity', configUrl));
  const tokenEndpoint = requireUrl('identity', 'token_endpoint', config?.token_endpoint);
  const tokens = json<TokenAnswer>(
    'identity',
    tokenEndpoint,
    await postForm(http, 'identity', tokenEndpoint, {
      grant_type: 'password',
      client_id: DEVICE_AGENT_CLIENT_ID,
      username: input.upn,
      password: input.password,
      scope: `${DRS_RESOURCE}/.default openid offline_access`,
    }),
  );
  const facts: AuthenticateFacts = {
    issuer: typeof config.issuer === 'string' ? config.issuer : '',
    tokenEndpoint,
    accessToken: requireString('identity', 'access_token', tokens?.access_token),
    refreshToken: requireString('identity', 'refresh_token', tokens?.refresh_token),
  };
  if (typeof tokens.id_token === 'string') facts.idToken = tokens.id_token;
  return facts;
}
