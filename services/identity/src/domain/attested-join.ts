/**
 * The join of a self-deploying device: no user, so the request is authorised by the TPM.
 * `AikCertificate` is the certificate identity issued after attestation (tenant device CA,
 * tcg-kp-AIKCertificate, CN = the registration's ZTDId); `AttestationData` is TPM2_Certify of
 * the CSR's key by that AIK. The CSR key is certified rather than the AIK used directly
 * because a TPM's AIK is a restricted key: it signs only structures the TPM made (it cannot
 * sign a PKCS#10), and the device key, which later signs the device-bound token requests,
 * is what has to be shown to live in the TPM.
 */
import { X509Certificate } from 'node:crypto';
import type { AutopilotDeviceMode, DeviceJoinRequest } from '@baton/contracts';
import { AIK_CERTIFICATE_EKU, isIssuedBy } from '@baton/kit';
import { attestationSignedBy, parseAttestationData, ProtocolParseError, tpmName, type ParsedAttestation } from '@baton/protocols';
import { drsErrors } from '../errors.js';
import type { TenantRecord } from '../store/store.js';
import { autopilotModeOfCertificate } from './autopilot-mode.js';
import type { IdentityDeps } from './deps.js';

export interface AttestedDevice {
  ztdId: string;
  /** The mode identity attested the TPM for; absent from an AIK certificate issued before it was carried. */
  mode?: AutopilotDeviceMode;
}

/** Self-deploying devices say so: MS-DVRJ's Attributes.SharedDevice. */
export function isSharedDeviceJoin(request: Pick<DeviceJoinRequest, 'Attributes'>): boolean {
  const shared = request.Attributes?.SharedDevice;
  return shared === true || (typeof shared === 'string' && shared.toLowerCase() === 'true');
}

function aikCertificate(deps: IdentityDeps, tenant: TenantRecord, base64: string): { cert: X509Certificate; ztdId: string } {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(base64, 'base64'));
  } catch {
    throw drsErrors.tpmAttestationFailed('aikCertificateInvalid', 'AikCertificate is not a DER certificate.');
  }
  if (!isIssuedBy(cert.toString(), tenant.deviceCaCertPem, deps.now())) {
    throw drsErrors.tpmAttestationFailed('aikCertificateInvalid', "AikCertificate was not issued by the tenant's device authority, or has expired.");
  }
  if (!(cert.keyUsage ?? []).includes(AIK_CERTIFICATE_EKU)) {
    throw drsErrors.tpmAttestationFailed('aikCertificateInvalid', 'AikCertificate is not an attestation key certificate.');
  }
  const ztdId = /^CN=([0-9a-f-]{36})$/i.exec(cert.subject.trim())?.[1]?.toLowerCase();
  if (!ztdId) throw drsErrors.tpmAttestationFailed('aikCertificateInvalid', 'AikCertificate names no Autopilot registration.');
  return { cert, ztdId };
}

/** Checks the TPM evidence of a userless join against the CSR's key; answers the registration it proves. */
export function verifyAttestedJoin(deps: IdentityDeps, tenant: TenantRecord, request: DeviceJoinRequest, csrSpki: Uint8Array): AttestedDevice {
  if (!isSharedDeviceJoin(request)) throw drsErrors.tpmAttestationFailed('notShared', 'A join without a user must be a shared (self-deploying) device join.');
  if (!request.AikCertificate || !request.AttestationData) {
    throw drsErrors.tpmAttestationFailed('malformed', 'A self-deploying join carries AikCertificate and AttestationData.');
  }
  const { cert, ztdId } = aikCertificate(deps, tenant, request.AikCertificate);
  let parsed: ParsedAttestation;
  try {
    parsed = parseAttestationData(Buffer.from(request.AttestationData, 'base64'));
  } catch (error) {
    if (error instanceof ProtocolParseError) throw drsErrors.tpmAttestationFailed('keyNotCertified', `AttestationData does not parse: ${error.message}`);
    throw error;
  }
  const aikDer = cert.publicKey.export({ format: 'der', type: 'spki' });
  if (!parsed.qualifiedSigner.equals(tpmName(aikDer)) || !attestationSignedBy(parsed, cert.publicKey)) {
    throw drsErrors.tpmAttestationFailed('keyNotCertified', 'AttestationData is not signed by the certified attestation key.');
  }
  if (!parsed.certifiedName.equals(tpmName(Buffer.from(csrSpki)))) {
    throw drsErrors.tpmAttestationFailed('keyNotCertified', "AttestationData certifies another key than the certificate request's.");
  }
  const bodyZtdId = request.ZtdId?.trim().toLowerCase();
  if (bodyZtdId && bodyZtdId !== ztdId) throw drsErrors.tpmAttestationFailed('aikCertificateInvalid', 'ZtdId differs from the registration the attestation key was certified for.');
  const mode = autopilotModeOfCertificate(cert.raw);
  return mode ? { ztdId, mode } : { ztdId };
}
