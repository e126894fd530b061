/**
 * The device lookup: a booting device presents its hardware hash (its only credential, as
 * with Autopilot) and gets its deployment profile, its tenant's branding and the handoff
 * naming identity.
 */
import { IDENTITY_PATHS, type DeviceLookupRequest, type DeviceLookupResponse } from '@baton/contracts';
import { discoveryErrors } from '../errors.js';
import { effectiveProfile } from './assignments.js';
import { buildConfigurationFile } from './configuration-file.js';
import { nowIso, type DiscoveryDeps } from './deps.js';
import { parseBase64Binary, readHardwareHash } from './hardware-hash.js';
import { OrganizationUnavailableError } from './organization.js';
import { profileSettings } from './profiles.js';
import { placeholderMessage } from './registration.js';

export async function lookupDevice(deps: DiscoveryDeps, request: DeviceLookupRequest, traceParent?: string): Promise<DeviceLookupResponse> {
  const bytes = parseBase64Binary(request.hardwareHash);
  if (!bytes || bytes.length === 0) throw discoveryErrors.invalidRequest('hardwareHash is not base64.');
  const reading = readHardwareHash(bytes, deps.box);
  if (!reading.ok) throw discoveryErrors.invalidRequest(`hardwareHash does not decode: ${reading.reason}.`);

  const device = await deps.store.findDeviceByDigest(reading.identityDigest);
  if (!device) throw discoveryErrors.deviceNotFound();
  // Contact is recorded before the profile check: "registered, contacted, no profile" is what an admin needs to see.
  await deps.store.markDeviceContacted(device.id, nowIso(deps));

  const resolved = await effectiveProfile(deps, device);
  if (!resolved) throw discoveryErrors.profileNotAssigned();

  // The handoff names identity, so identity must know the device before the device arrives there.
  if (!device.placeholderDelivered) {
    try {
      const deviceId = await deps.sendPlaceholder(placeholderMessage(device), { traceParent });
      await deps.store.markPlaceholderDelivered(device.id, deviceId);
    } catch (error) {
      deps.logger?.warn({ ztdId: device.id, err: String(error) }, 'lookup: placeholder not accepted by identity');
      throw discoveryErrors.identityUnavailable();
    }
  }

  let organization;
  try {
    organization = await deps.organizations.get(device.tenantId, traceParent);
  } catch (error) {
    if (error instanceof OrganizationUnavailableError) {
      deps.logger?.warn({ tenantId: device.tenantId, err: error.message }, 'lookup: organization unavailable');
      throw discoveryErrors.identityUnavailable();
    }
    throw error;
  }

  const { profile } = resolved;
  const response: DeviceLookupResponse = {
    ztdId: device.id,
    serialNumber: device.serialNumber,
    deploymentProfile: {
      id: profile.id,
      displayName: profile.displayName,
      deviceUsageType: profileSettings(profile).outOfBoxExperienceSetting.deviceUsageType,
      configuration: buildConfigurationFile(profile, { tenantId: device.tenantId, domain: organization.domain }),
    },
    branding: organization.branding,
    identity: {
      tenantId: device.tenantId,
      tenantDomain: organization.domain,
      authority: `${deps.identityUrl}${IDENTITY_PATHS.authority(device.tenantId)}`,
      deviceRegistrationDiscoveryUrl: `${deps.identityUrl}${IDENTITY_PATHS.drsDiscovery(device.tenantId)}`,
    },
  };
  if (device.groupTag) response.groupTag = device.groupTag;
  return response;
}
