/**
 * Which registration holds a TPM endorsement key. Identity asks during a self-deploying or
 * pre-provisioned device's attestation; the answer names the registration and the usage type of the profile
 * assigned to it, and nothing about devices of other tenants.
 */
import type { EndorsementKeyLookupResponse } from '@baton/contracts';
import type { SecretBox } from '@baton/kit';
import { parseSubjectPublicKeyInfo } from '@baton/protocols';
import { discoveryErrors } from '../errors.js';
import { effectiveProfile } from './assignments.js';
import type { DiscoveryDeps } from './deps.js';
import { profileSettings } from './profiles.js';

/** TPM endorsement keys are RSA (TPM 1.2 and 2.0) or elliptic-curve (TPM 2.0). */
const EK_ALGORITHMS = new Set(['1.2.840.113549.1.1.1', '1.2.840.10045.2.1']);

/**
 * The keyed digest of an EK's DER SubjectPublicKeyInfo; undefined when the bytes are not one.
 * Base64 padding and whitespace do not reach the bytes, and strict DER has one encoding per
 * key, so the same key always finds the same row. The structure is read without OpenSSL:
 * decoding and re-exporting each key there cost about 0.27 ms, most of a bulk import's row.
 */
export function endorsementKeyDigest(ekPublicKeyBase64: string, box: SecretBox): string | undefined {
  const der = Buffer.from(ekPublicKeyBase64, 'base64');
  try {
    const spki = parseSubjectPublicKeyInfo(der);
    if (!EK_ALGORITHMS.has(spki.algorithm) || spki.key.length === 0) return undefined;
  } catch {
    return undefined;
  }
  return box.digest(der);
}

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
