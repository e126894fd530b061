/**
 * Which registration holds a TPM endorsement key. Identity asks during a self-deploying or
 * pre-provisioned device's attestation; the answer names the registration and the usage type of the profile
 * assigned to it, and nothing about devices of other tenants.
 */
import type { EndorsementKeyLookupResponse } from '@baton/contracts';
import { discoveryErrors } from '../errors.js';
import { effectiveProfile } from './profile-resolution.js';
import type { DiscoveryDeps } from './deps.js';
import { endorsementKeyDigest } from './endorsement-key-digest.js';
import { profileSettings } from './profiles.js';

export async function lookupEndorsementKey(deps: DiscoveryDeps, tenantId: string, ekPublicKey: string): Promise<EndorsementKeyLookupResponse> {
  const digest = endorsementKeyDigest(ekPublicKey, deps.box);
  if (!digest) throw discoveryErrors.invalidRequest('ekPublicKey is not a DER SubjectPublicKeyInfo.');
  const holders = await deps.store.findDevicesByEndorsementKey(digest, 2);
  // Another tenant's device reads as unknown: a tenant cannot learn that a key is registered elsewhere.
  const mine = holders.filter((d) => d.tenantId === tenantId);
  if (mine.length === 0) throw discoveryErrors.deviceNotFound();
  if (mine.length > 1) throw discoveryErrors.conflict('More than one registration of this tenant carries this endorsement key.');
  const device = mine[0]!;
  const resolved = await effectiveProfile(deps, device);
  return {
    ztdId: device.id,
    tenantId: device.tenantId,
    deviceUsageType: resolved ? profileSettings(resolved.profile).outOfBoxExperienceSetting.deviceUsageType : null,
    preprovisioningAllowed: resolved ? profileSettings(resolved.profile).preprovisioningAllowed : false,
    profileId: resolved?.profile.id ?? null,
  };
}
