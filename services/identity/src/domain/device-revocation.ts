/**
 * What identity stops trusting when an administrator disables or deletes a device, or
 * the device joins again with a new key: its certificate (recorded with an RFC 5280
 * reason, checked at every device-authenticated request) and every refresh token bound
 * to it. Access tokens already issued live out their short lifetime, as in Entra.
 */
import type { DeviceRecord, IdentityStore, RevokedCertificateRecord } from '../store/store.js';

export async function revokeDeviceCredentials(
  store: IdentityStore,
  device: DeviceRecord,
  reason: RevokedCertificateRecord['reason'],
  at: string,
): Promise<void> {
  if (device.certThumbprint) {
    await store.revokeDeviceCertificate({ tenantId: device.tenantId, thumbprint: device.certThumbprint, deviceId: device.id, reason, revokedAt: at });
  }
  await store.revokeDeviceRefreshTokens(device.tenantId, device.id);
}

/** Enabling a disabled device lifts the hold its disabling put on the certificate. */
export async function releaseDeviceCredentials(store: IdentityStore, device: DeviceRecord): Promise<void> {
  if (device.certThumbprint) await store.releaseDeviceCertificateHold(device.tenantId, device.certThumbprint);
}
