/**
 * The device proves itself by signing the token request with the key of the
 * certificate identity issued at join (Entra's PRT request shape): header `x5c` carries
 * the certificate, which must come from the tenant's device CA and be the device's
 * current one.
 */
import { X509Certificate } from 'node:crypto';
import { decodeProtectedHeader, importX509, jwtVerify, type JWTPayload } from 'jose';
import { isIssuedBy, thumbprint } from '@baton/kit';
import { oauthErrors } from '../errors.js';
import type { DeviceRecord, TenantRecord } from '../store/store.js';
import type { IdentityDeps } from './deps.js';

export interface DeviceAssertion {
  device: DeviceRecord;
  payload: JWTPayload & { grant_type?: unknown; refresh_token?: unknown; client_id?: unknown; scope?: unknown };
}

function certificatePem(x5c: unknown): string {
  if (!Array.isArray(x5c) || typeof x5c[0] !== 'string' || x5c[0].length > 16_384) {
    throw oauthErrors.deviceAuthFailed('The request carries no device certificate (x5c).');
  }
  try {
    const cert = new X509Certificate(Buffer.from(x5c[0], 'base64'));
    return cert.toString();
  } catch {
    throw oauthErrors.deviceAuthFailed('The device certificate does not parse.');
  }
}

export async function verifyDeviceAssertion(deps: IdentityDeps, tenant: TenantRecord, assertion: string): Promise<DeviceAssertion> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    throw oauthErrors.malformed("'request' is not a JWT.");
  }
  if (header.alg !== 'RS256') throw oauthErrors.deviceAuthFailed('The request must be signed with RS256.');
  const pem = certificatePem(header.x5c);
  if (!isIssuedBy(pem, tenant.deviceCaCertPem, deps.now())) {
    throw oauthErrors.deviceAuthFailed("The certificate was not issued by the tenant's device authority.");
  }
  const certThumbprint = thumbprint(pem);
  const revoked = await deps.store.findRevokedDeviceCertificate(tenant.id, certThumbprint);
  // A deleted device's certificate is revoked with it; Entra answers such a device that its
  // object is gone (AADSTS700003, 0x801C03F3 on Windows), which is what the device must fix.
  if (revoked) {
    if (revoked.reason === 'certificateHold') throw oauthErrors.deviceDisabled();
    throw revoked.reason === 'cessationOfOperation' ? oauthErrors.deviceNotFound() : oauthErrors.deviceCertificateRevoked(revoked.reason);
  }
  const device = await deps.store.findDeviceByThumbprint(tenant.id, certThumbprint);
  if (!device) throw oauthErrors.deviceNotFound();
  if (!device.accountEnabled) throw oauthErrors.deviceDisabled();
  let payload: DeviceAssertion['payload'];
  try {
    const key = await importX509(pem, 'RS256');
    ({ payload } = await jwtVerify(assertion, key, {
      algorithms: ['RS256'],
      currentDate: deps.now(),
      clockTolerance: 300,
      maxTokenAge: '10m',
      requiredClaims: ['iat', 'exp'],
    }));
  } catch (error) {
    throw oauthErrors.deviceAuthFailed(`The request signature or lifetime is invalid (${error instanceof Error ? error.message : 'unknown'}).`);
  }
  return { device, payload };
}
