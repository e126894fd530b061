/**
 * Step 4: the device-bound token (Entra's PRT request shape): a JWT signed by the device key
 * with the join certificate in x5c, exchanged at identity's token endpoint for an access
 * token to management's enrollment application that carries `deviceid`.
 */
import { SignJWT } from 'jose';
import { DEVICE_AGENT_CLIENT_ID, DEVICE_AUTH_REQUEST_GRANT, DEVICE_JWT_BEARER_GRANT, MDM_RESOURCE } from '@baton/contracts';
import { json, postForm, requireString, type DeviceHttp } from '../http.js';

export interface DeviceTokenInput {
  tokenEndpoint: string;
  /** The user's refresh token; without one (self-deploying) the device asks for a token of its own. */
  refreshToken?: string;
  deviceKey: CryptoKey;
  certificateBase64: string;
  /** From the join answer's MdmEnrollment.resource. */
  resource?: string;
}

export interface DeviceTokenFacts {
  accessToken: string;
  refreshToken?: string;
}

const REQUEST_LIFETIME_S = 300;

export async function buildDeviceTokenRequest(input: Omit<DeviceTokenInput, 'tokenEndpoint'>, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  const scope = `${input.resource ?? MDM_RESOURCE}/.default`;
  const claims = input.refreshToken
    ? { client_id: DEVICE_AGENT_CLIENT_ID, grant_type: 'refresh_token', refresh_token: input.refreshToken, scope }
    : { client_id: DEVICE_AGENT_CLIENT_ID, grant_type: DEVICE_AUTH_REQUEST_GRANT, scope };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5c: [input.certificateBase64] })
    .setIssuedAt(iat)
    .setExpirationTime(iat + REQUEST_LIFETIME_S)
    .sign(input.deviceKey);
}

export async function deviceToken(http: DeviceHttp, input: DeviceTokenInput): Promise<DeviceTokenFacts> {
  const request = await buildDeviceTokenRequest(input);
  const answer = json<{ access_token?: string; refresh_token?: string }>(
    'identity',
    input.tokenEndpoint,
    await postForm(http, 'identity', input.tokenEndpoint, { grant_type: DEVICE_JWT_BEARER_GRANT, request }),
  );
  const facts: DeviceTokenFacts = { accessToken: requireString('identity', 'access_token', answer?.access_token) };
  if (typeof answer.refresh_token === 'string') facts.refreshToken = answer.refresh_token;
  return facts;
}
