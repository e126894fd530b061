/**
 * BitLocker key escrow: the joined device backs its recovery password up to identity, as
 * Windows backs it up to Entra after join and after each rotation. The request is Baton's own
 * (ARCHITECTURE.md, "BitLocker recovery keys"): a JWT signed with the join certificate's key,
 * the certificate in x5c, posted to the endpoint identity's DRS discovery document named.
 */
import { SignJWT } from 'jose';
import type { BitLockerKeyEscrowClaims } from '@baton/contracts';
import type { RecoveryPassword } from '../bitlocker.js';
import { postJson, type DeviceHttp } from '../http.js';

export interface KeyEscrowInput {
  /** DeviceManagementService.BitLockerKeyEscrowEndpoint of the discovery document read at join. */
  endpoint: string;
  deviceKey: CryptoKey;
  certificateBase64: string;
}

const REQUEST_LIFETIME_S = 300;

export async function escrowRecoveryPassword(http: DeviceHttp, input: KeyEscrowInput, recovery: RecoveryPassword, now = Date.now()): Promise<void> {
  const iat = Math.floor(now / 1000);
  const claims: Omit<BitLockerKeyEscrowClaims, 'iat' | 'exp'> = { kid: recovery.keyId, key: recovery.password, vol: 'operatingSystemVolume' };
  const request = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5c: [input.certificateBase64] })
    .setIssuedAt(iat)
    .setExpirationTime(iat + REQUEST_LIFETIME_S)
    .sign(input.deviceKey);
  await postJson(http, 'identity', input.endpoint, { request });
}
