/**
 * Self-deploying mode: the device proves its TPM instead of a user signing in. Identity runs
 * the TPM key attestation (a MakeCredential challenge to the EK, bound to the AIK) and asks
 * discovery, the owner of registrations, whom the EK belongs to.
 */

/** CloudAssignedOobeConfig bits that make OOBE self-deploying (both set for a shared profile). */
export const OOBE_TPM_ATTESTATION = 32;
export const OOBE_AAD_DEVICE_AUTH = 64;

/** HRESULTs Windows shows for the self-deploying steps. */
export const SELF_DEPLOYING_ERRORS = {
  /** "Registering your device for mobile management (Failed: 3, 0x801C03EA)": TPM attestation failed. */
  tpmAttestationFailed: '0x801C03EA',
  /** MENROLL_E_DEVICENOTSUPPORTED: a self-deploying or pre-provisioned device is enrolled already (delete its record first). */
  deviceNotSupported: '0x80180014',
} as const;

/**
 * Inner `grant_type` of a device-signed token request that asks for a token of the device
 * alone (no user, no refresh token): how a self-deployed device authenticates to enrollment.
 * Baton's name for it; the outer grant is still DEVICE_JWT_BEARER_GRANT.
 */
export const DEVICE_AUTH_REQUEST_GRANT = 'device_auth';

/**
 * The two Autopilot modes in which a device joins with its TPM and no user: self-deploying (a
 * shared profile; nobody becomes its primary user) and a technician's pre-provisioning (a
 * single-user profile with preprovisioningAllowed; its user comes later and finishes it).
 */
export type AutopilotDeviceMode = 'selfDeploying' | 'preProvisioned';

export const AUTOPILOT_DEVICE_MODES: readonly AutopilotDeviceMode[] = ['selfDeploying', 'preProvisioned'];

/**
 * identity → management: the claim of a token of the device alone (`idtyp: device`) naming the
 * mode the device joined in, as identity learned it at TPM attestation. Baton's own claim, as
 * Entra has none; absent when identity does not know (a device joined before it recorded the
 * mode), and never in a user's or an application's token.
 */
export const AUTOPILOT_MODE_CLAIM = 'baton_autopilot_mode';

/** identity → discovery: which registration holds this endorsement key? */
export interface EndorsementKeyLookupRequest {
  /** Base64 DER SubjectPublicKeyInfo, as the hardware hash's TpmEkPub carries it. */
  ekPublicKey: string;
}

export interface EndorsementKeyLookupResponse {
  ztdId: string;
  tenantId: string;
  /** Of the profile the device is assigned; null when none is. */
  deviceUsageType: 'singleUser' | 'shared' | null;
  /** Whether that profile lets a technician pre-provision the device (which also attests its TPM). */
  preprovisioningAllowed?: boolean;
  profileId: string | null;
}

/** device → identity: the EK and the AIK it wants certified. */
export interface AttestationChallengeRequest {
  EkPublicKey: string;
  AikPublicKey: string;
}

/** TPM2_MakeCredential's output, and the sealed state identity needs to check the answer. */
export interface AttestationChallengeResponse {
  Challenge: string;
  CredentialBlob: string;
  EncryptedSecret: string;
}

export interface AttestationActivateRequest {
  Challenge: string;
  /** What TPM2_ActivateCredential recovered, base64. */
  Secret: string;
}

export interface AttestationActivateResponse {
  /** Base64 DER, issued by the tenant's device CA. */
  AikCertificate: string;
  ZtdId: string;
}
