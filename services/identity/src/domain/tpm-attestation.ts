/**
 * TPM key attestation of a self-deploying device ("Securing your hardware"). The device
 * names its endorsement key (EK) and a fresh attestation key (AIK). Identity asks discovery
 * whether the EK belongs to a registration of this tenant whose profile is self-deploying,
 * then answers with TPM2_MakeCredential: a secret only the TPM holding that EK can recover,
 * and only for an object with the AIK's name. The device that returns the secret has proved
 * that the AIK lives beside the registered EK, and gets an AIK certificate from the tenant's
 * device CA naming its registration (CN = ZTDId) and the mode it is attested for
 * (self-deploying or pre-provisioned, autopilot-mode.ts).
 *
 * The challenge state travels sealed inside the challenge itself (identity's key, five
 * minutes, bound to the tenant), so any replica can check the answer and nothing is stored.
 */
import { createPublicKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { AttestationActivateRequest, AttestationActivateResponse, AttestationChallengeRequest, AttestationChallengeResponse, AutopilotDeviceMode } from '@baton/contracts';
import { certificateDerBase64, signPublicKey } from '@baton/kit';
import { makeCredential, tpmName } from '@baton/protocols';
import { drsErrors } from '../errors.js';
import type { TenantRecord } from '../store/store.js';
import { attestedMode, autopilotModeExtension } from './autopilot-mode.js';
import type { IdentityDeps } from './deps.js';
import { EndorsementKeyDirectoryUnavailable } from './endorsement-keys.js';

const CHALLENGE_LIFETIME_MS = 5 * 60_000;
/** An AIK certificate is needed only for the join that follows; a day covers a retried OOBE. */
export const AIK_CERT_VALIDITY_DAYS = 1;

interface SealedChallenge {
  v: 1;
  tid: string;
  ztdId: string;
  /** What discovery's answer made the device; absent in challenges sealed before it was kept. */
  mode?: AutopilotDeviceMode;
  aik: string;
  secret: string;
  exp: number;
}

/** What identity learned about the device before it refused or answered; for the event feed. */
export interface AttestationFacts {
  ztdId?: string;
}

export function p256Key(base64: string, what: string): { key: KeyObject; der: Buffer } {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw drsErrors.tpmAttestationFailed('malformed', `${what} is not a DER SubjectPublicKeyInfo.`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw drsErrors.tpmAttestationFailed('malformed', `${what} must be an ECC P-256 key.`);
  }
  return { key, der: key.export({ format: 'der', type: 'spki' }) };
}

export async function issueAttestationChallenge(
  deps: IdentityDeps,
  tenant: TenantRecord,
  request: AttestationChallengeRequest,
  facts: AttestationFacts,
  traceparent?: string,
): Promise<AttestationChallengeResponse> {
  const ek = p256Key(request.EkPublicKey, 'EkPublicKey');
  const aik = p256Key(request.AikPublicKey, 'AikPublicKey');
  if (!deps.endorsementKeys) throw drsErrors.tpmAttestationFailed('discoveryUnavailable', 'Identity has no way to reach discovery.');
  let registration;
  try {
    registration = await deps.endorsementKeys.lookup(tenant.id, ek.der.toString('base64'), traceparent);
  } catch (error) {
    if (error instanceof EndorsementKeyDirectoryUnavailable) throw drsErrors.tpmAttestationFailed('discoveryUnavailable', 'Discovery could not be asked about the endorsement key; retry.');
    throw error;
  }
  if (!registration) throw drsErrors.tpmAttestationFailed('endorsementKeyNotRegistered', 'The TPM endorsement key belongs to no Autopilot device of this tenant.');
  facts.ztdId = registration.ztdId;
  // Pre-provisioning runs the self-deploying steps for the technician, on a user-driven profile.
  if (registration.deviceUsageType !== 'shared' && registration.preprovisioningAllowed !== true) {
    throw drsErrors.tpmAttestationFailed(
      'notSelfDeploying',
      'The device is not assigned a self-deploying profile or one that allows pre-provisioning; TPM attestation is for those devices only.',
    );
  }
  const secret = randomBytes(32);
  const made = makeCredential(ek.key, tpmName(aik.der), secret);
  const sealed: SealedChallenge = {
    v: 1,
    tid: tenant.id,
    ztdId: registration.ztdId,
    mode: attestedMode(registration),
    aik: aik.der.toString('base64'),
    secret: secret.toString('base64'),
    exp: deps.now().getTime() + CHALLENGE_LIFETIME_MS,
  };
  return {
    Challenge: deps.secrets.seal(JSON.stringify(sealed)),
    CredentialBlob: made.credentialBlob.toString('base64'),
    EncryptedSecret: made.secret.toString('base64'),
  };
}

function openChallenge(deps: IdentityDeps, tenant: TenantRecord, challenge: string): SealedChallenge {
  let sealed: SealedChallenge;
  try {
    sealed = JSON.parse(deps.secrets.openText(challenge)) as SealedChallenge;
  } catch {
    throw drsErrors.tpmAttestationFailed('malformed', 'The challenge is not one identity issued.');
  }
  if (sealed?.v !== 1 || sealed.tid !== tenant.id || typeof sealed.secret !== 'string' || typeof sealed.aik !== 'string') {
    throw drsErrors.tpmAttestationFailed('malformed', 'The challenge is not one identity issued for this tenant.');
  }
  if (!(sealed.exp > deps.now().getTime())) throw drsErrors.tpmAttestationFailed('challengeExpired', 'The challenge has expired; ask for a new one.');
  return sealed;
}

export async function activateAttestation(
  deps: IdentityDeps,
  tenant: TenantRecord,
  request: AttestationActivateRequest,
  facts: AttestationFacts,
): Promise<AttestationActivateResponse> {
  const sealed = openChallenge(deps, tenant, request.Challenge);
  facts.ztdId = sealed.ztdId;
  const expected = Buffer.from(sealed.secret, 'base64');
  const answer = Buffer.from(request.Secret, 'base64');
  if (answer.length !== expected.length || !timingSafeEqual(answer, expected)) {
    throw drsErrors.tpmAttestationFailed('wrongAnswer', 'The TPM did not recover the challenge secret: the AIK is not in the TPM of the registered endorsement key.');
  }
  // The AIK was checked to be a P-256 SubjectPublicKeyInfo when the challenge sealed it.
  const aikKey = Buffer.from(sealed.aik, 'base64');
  const certPem = await signPublicKey({ certPem: tenant.deviceCaCertPem, keyPem: deps.secrets.openText(tenant.deviceCaKey) }, aikKey, {
    commonName: sealed.ztdId,
    validityDays: AIK_CERT_VALIDITY_DAYS,
    usage: 'aik',
    // The join that follows shows this certificate alone: it carries the mode to the device object.
    ...(sealed.mode ? { customExtensions: [autopilotModeExtension(sealed.mode)] } : {}),
  });
  return { AikCertificate: certificateDerBase64(certPem), ZtdId: sealed.ztdId };
}
