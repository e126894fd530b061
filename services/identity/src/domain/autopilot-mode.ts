/**
 * Which Autopilot mode a device joined without a user: self-deploying or a technician's
 * pre-provisioning. Identity learns it at TPM attestation, from discovery's answer about the
 * endorsement key; the join that follows shows only the AIK certificate identity issued, so
 * the certificate carries the mode (a non-critical extension of Baton's own, named by a UUID
 * OID as X.667 allows, which needs no registered arc) and the join records it on the device
 * object without asking discovery again.
 *
 * On the device object the mode is Graph's `profileType`: `Shared`, as Entra shows a shared
 * device, for a self-deploying one; `RegisteredDevice` for a pre-provisioned one. Only a
 * device joined without an owner gets tokens of its own, so for those tokens the value tells
 * the two modes apart; a device joined before identity recorded it has none.
 */
import { AUTOPILOT_DEVICE_MODES, type AutopilotDeviceMode } from '@baton/contracts';
import { certificateExtensions, decodeString, der, ProtocolParseError, readRoot } from '@baton/protocols';
import type { DeviceRecord } from '../store/store.js';

export const AIK_AUTOPILOT_MODE_OID = '2.25.44708369723640635792005988048642687066';

/** The mode a registration's profile attests a TPM for: a shared profile's, else pre-provisioning's. */
export function attestedMode(registration: { deviceUsageType: string | null }): AutopilotDeviceMode {
  return registration.deviceUsageType === 'shared' ? 'selfDeploying' : 'preProvisioned';
}

export function autopilotModeExtension(mode: AutopilotDeviceMode): { oid: string; value: Uint8Array<ArrayBuffer> } {
  return { oid: AIK_AUTOPILOT_MODE_OID, value: new Uint8Array(der.utf8String(mode)) };
}

/** The mode an AIK certificate carries; undefined for one issued before identity wrote it. */
export function autopilotModeOfCertificate(certDer: Uint8Array): AutopilotDeviceMode | undefined {
  try {
    const ext = certificateExtensions(certDer).find((e) => e.oid === AIK_AUTOPILOT_MODE_OID);
    if (!ext) return undefined;
    const text = decodeString(ext.value, readRoot(ext.value, der.TAG.utf8String, 'autopilot mode'));
    return AUTOPILOT_DEVICE_MODES.find((m) => m === text);
  } catch (error) {
    if (error instanceof ProtocolParseError) return undefined;
    throw error;
  }
}

const PROFILE_TYPES: Record<AutopilotDeviceMode, string> = { selfDeploying: 'Shared', preProvisioned: 'RegisteredDevice' };

export function profileTypeOfMode(mode: AutopilotDeviceMode): string {
  return PROFILE_TYPES[mode];
}

/** Graph's profileType: as recorded at the join, else what Entra shows for any joined or registered device. */
export function profileTypeOf(device: Pick<DeviceRecord, 'profileType' | 'trustType'>): string | null {
  return device.profileType ?? (device.trustType ? 'RegisteredDevice' : null);
}

/** The mode of a device that joined without an owner, as its tokens name it. */
export function modeOfOwnerlessDevice(device: Pick<DeviceRecord, 'profileType' | 'registeredOwnerUserId'>): AutopilotDeviceMode | undefined {
  if (device.registeredOwnerUserId !== null || !device.profileType) return undefined;
  return (Object.keys(PROFILE_TYPES) as AutopilotDeviceMode[]).find((m) => PROFILE_TYPES[m] === device.profileType);
}
