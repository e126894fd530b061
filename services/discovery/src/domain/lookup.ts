/**
 * The device lookup: a booting device presents its hardware hash (its only credential, as
 * with Autopilot) and gets its deployment profile, its tenant's branding and the handoff
 * naming identity. OEM and partner registrations know a device by (serial, manufacturer,
 * model) instead, so that tuple is accepted too when no hash is sent.
 */
import { IDENTITY_PATHS, type DeviceLookupResponse } from '@baton/contracts';
import { GraphError } from '@baton/kit';
import type { AutopilotDevice } from '../store/types.js';
import { discoveryErrors } from '../errors.js';
import { effectiveProfile } from './profile-resolution.js';
import { buildConfigurationFile } from './configuration-file.js';
import { nowIso, type DiscoveryDeps } from './deps.js';
import { discoveryEvent, recordLookupEvent, traceIdOf } from './events.js';
import { parseBase64Binary, readHardwareHash } from './hardware-hash.js';
import { OrganizationUnavailableError } from './organization.js';
import { profileSettings } from './profiles.js';
import { placeholderMessage } from './registration.js';
import { placeholderDigest } from './placeholder.js';

export interface LookupRequest {
  hardwareHash?: string;
  serialNumber?: string;
  manufacturer?: string;
  model?: string;
}

type Located = { device: AutopilotDevice; via: 'hardwareHash' | 'tuple' };

/** The hash wins when both are sent: it is the stronger identity of the two. */
async function locate(deps: DiscoveryDeps, request: LookupRequest): Promise<Located | { notFound: { identityDigest?: string } }> {
  if (request.hardwareHash !== undefined && request.hardwareHash !== '') {
    const bytes = parseBase64Binary(request.hardwareHash);
    if (!bytes || bytes.length === 0) throw discoveryErrors.invalidRequest('hardwareHash is not base64.');
    const reading = readHardwareHash(bytes, deps.box);
    if (!reading.ok) throw discoveryErrors.invalidRequest(`hardwareHash does not decode: ${reading.reason}.`);
    const device = await deps.store.findDeviceByDigest(reading.identityDigest);
    return device ? { device, via: 'hardwareHash' } : { notFound: { identityDigest: reading.identityDigest } };
  }
  const serialNumber = request.serialNumber?.trim();
  const manufacturer = request.manufacturer?.trim();
  const model = request.model?.trim();
  if (!serialNumber || !manufacturer || !model) {
    throw discoveryErrors.invalidRequest('Send hardwareHash, or serialNumber with manufacturer and model.');
  }
  const matches = await deps.store.findDevicesByTuple({ serialNumber, manufacturer, model }, 2);
  if (matches.length > 1) throw discoveryErrors.ambiguousDevice();
  return matches[0] ? { device: matches[0], via: 'tuple' } : { notFound: {} };
}

/** Every answer but a malformed request leaves an event; the event never decides the answer. */
export async function lookupDevice(deps: DiscoveryDeps, request: LookupRequest, traceParent?: string): Promise<DeviceLookupResponse> {
  const traceId = traceIdOf(traceParent);
  let located: Located | undefined;
  try {
    const found = await locate(deps, request);
    if ('notFound' in found) {
      await recordLookupEvent(
        deps,
        discoveryEvent(deps, {
          type: 'lookup',
          outcome: 'failure',
          tenantId: null,
          traceId,
          serialNumber: request.serialNumber ?? null,
          errorCode: discoveryErrors.deviceNotFound().code,
          // The keyed digest lets an operator count repeated lookups of one unknown device without keeping the hash.
          detail: { via: request.hardwareHash ? 'hardwareHash' : 'tuple', ...(found.notFound.identityDigest ? { hardwareIdentityDigest: found.notFound.identityDigest } : {}) },
        }),
      );
      throw discoveryErrors.deviceNotFound();
    }
    located = found;
    const response = await answer(deps, found.device, traceParent);
    await recordLookupEvent(
      deps,
      discoveryEvent(deps, {
        type: 'lookup',
        outcome: 'success',
        tenantId: found.device.tenantId,
        traceId,
        device: found.device,
        detail: { via: found.via, profileId: response.deploymentProfile.id },
      }),
    );
    return response;
  } catch (error) {
    if (located && error instanceof GraphError) {
      const detail: Record<string, unknown> = { via: located.via, status: error.statusCode };
      if (error.code === 'ServiceUnavailable') detail.reason = 'identityUnavailable';
      await recordLookupEvent(
        deps,
        discoveryEvent(deps, { type: 'lookup', outcome: 'failure', tenantId: located.device.tenantId, traceId, device: located.device, errorCode: error.code, detail }),
      );
    } else if (!located && error instanceof GraphError && error.code === discoveryErrors.ambiguousDevice().code) {
      await recordLookupEvent(
        deps,
        discoveryEvent(deps, { type: 'lookup', outcome: 'failure', tenantId: null, traceId, serialNumber: request.serialNumber ?? null, errorCode: error.code, detail: { via: 'tuple' } }),
      );
    }
    throw error;
  }
}

async function answer(deps: DiscoveryDeps, device: AutopilotDevice, traceParent: string | undefined): Promise<DeviceLookupResponse> {
  // Contact is recorded before the profile check: "registered, contacted, no profile" is what an admin needs to see.
  await deps.store.markDeviceContacted(device.id, nowIso(deps));

  const resolved = await effectiveProfile(deps, device);
  if (!resolved) throw discoveryErrors.profileNotAssigned();

  // The handoff names identity, so identity must know the device before the device arrives there.
  if (!device.placeholderDelivered) {
    try {
      const message = { ...placeholderMessage(device), enrollmentProfileName: resolved.profile.displayName };
      const deviceId = await deps.sendPlaceholder(message, { traceParent });
      await deps.store.markPlaceholderDelivered(device.id, deviceId, message.enrollmentProfileName, placeholderDigest(message, deviceId));
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
      preprovisioningAllowed: profileSettings(profile).preprovisioningAllowed,
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
