/**
 * The identity → management handoff: the enrollment endpoints accept identity's
 * device-bound access token (audience MDM_RESOURCE) in the WS-Security header. The device
 * id management records comes from the token's `deviceid` claim, which identity vouches
 * for, never from what the client writes in the request body; so does the Autopilot mode of a
 * device that enrolls alone (AUTOPILOT_MODE_CLAIM), which decides whether a user it meets later
 * becomes its primary user and how its deployment record reads.
 */
import { AUTOPILOT_DEVICE_MODES, AUTOPILOT_MODE_CLAIM, type AutopilotDeviceMode } from '@baton/contracts';
import { GraphError, type AccessTokenClaims, type TokenVerifier } from '@baton/kit';
import { TOKEN, type BinarySecurityToken } from '@baton/protocols';
import { EnrollmentFault } from '../errors.js';

export interface DeviceIdentity {
  tenantId: string;
  /** Entra device id (the token's `deviceid`). */
  deviceId: string;
  userId: string | null;
  upn: string | null;
  /** The user's display name (the token's `name`), when a user enrolls. */
  userDisplayName: string | null;
  /** True for a token of the device alone (self-deploying, pre-provisioning): Intune's windowsAzureADJoinUsingDeviceAuth. */
  deviceAuth: boolean;
  /** Which of the two a token of the device alone is, when identity's claim says; never from the request body. */
  autopilotMode: AutopilotDeviceMode | null;
  claims: AccessTokenClaims;
}

const JWT_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TOKEN_CHARS = 16 * 1024;

/** The JWT carried by the header token: base64 of the JWT as MS-MDE2 says, or the bare JWT. */
export function jwtFromSecurityToken(token: BinarySecurityToken | undefined): string {
  if (!token || token.value === '') throw new EnrollmentFault('invalidSecurity', 'The request carries no security token.');
  if (token.valueType !== TOKEN.jwt) {
    throw new EnrollmentFault('invalidSecurity', `Security tokens of type ${token.valueType || '(none)'} are not accepted; send ${TOKEN.jwt}.`);
  }
  const value = token.value.replace(/\s+/g, '');
  if (value.length > MAX_TOKEN_CHARS) throw new EnrollmentFault('invalidSecurity', 'The security token is too large.');
  if (JWT_RE.test(value)) return value;
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8').trim();
    if (JWT_RE.test(decoded)) return decoded;
  }
  throw new EnrollmentFault('invalidSecurity', 'The security token is not a JWT.');
}

export async function authenticateDevice(verifier: TokenVerifier, token: BinarySecurityToken | undefined): Promise<DeviceIdentity> {
  const jwt = jwtFromSecurityToken(token);
  let claims: AccessTokenClaims;
  try {
    claims = await verifier.verify(jwt);
  } catch (error) {
    if (error instanceof GraphError) throw new EnrollmentFault('invalidSecurity', error.message);
    throw error;
  }
  const deviceId = claims.deviceid;
  if (typeof deviceId !== 'string' || !GUID_RE.test(deviceId)) {
    throw new EnrollmentFault('authentication', 'The token does not identify a joined device (no deviceid claim).');
  }
  return {
    tenantId: claims.tid.toLowerCase(),
    deviceId: deviceId.toLowerCase(),
    // A device token (self-deploying) has the device's own object id as oid: no user enrolls.
    userId: claims.idtyp !== 'device' && typeof claims.oid === 'string' ? claims.oid : null,
    upn: claims.idtyp !== 'device' ? (claims.upn ?? claims.preferred_username ?? null) : null,
    userDisplayName: claims.idtyp !== 'device' && typeof claims.name === 'string' ? claims.name : null,
    deviceAuth: claims.idtyp === 'device',
    autopilotMode: claims.idtyp === 'device' ? (AUTOPILOT_DEVICE_MODES.find((m) => m === claims[AUTOPILOT_MODE_CLAIM]) ?? null) : null,
    claims,
  };
}
