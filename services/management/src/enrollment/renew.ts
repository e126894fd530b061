/**
 * MS-WSTEP certificate renewal (Microsoft Learn, "Certificate Renewal"; MS-MDE2 automatic
 * renewal, "ROBO"): RequestType …/ws-trust/200512/Renew, a BinarySecurityToken of type
 * #PKCS7 holding the new PKCS#10 signed with the key of the current MDM certificate, and no
 * user token: the device authenticates with that current certificate on the TLS handshake.
 *
 * Checks, in order: a TLS client certificate that management issued and that is still the
 * current certificate of an enrollment that is not retired; the PKCS#7 signed by that very
 * certificate's key (a request signed by any other key, another device's included, is
 * refused); a valid PKCS#10 inside; a DeviceID context item, when sent, naming the same
 * device. The new certificate names the same device, replaces the old one on the enrollment
 * in one conditional update (so the old one stops authenticating at once), and goes back in
 * a provisioning document that carries only the certificate.
 */
import type { X509Certificate } from 'node:crypto';
import { CsrError, certificateDerBase64, openRenewalRequest, signPublicKey, thumbprint, verifyCsr, type KeyAndCert } from '@baton/kit';
import { buildRenewalProvisioningDoc, type RequestSecurityToken } from '@baton/protocols';
import { EnrollmentFault } from '../errors.js';
import type { ClientCertificateVerifier } from '../session/client-certificates.js';
import { UNENROLLED_STATES, type Enrollment, type ManagementStore } from '../store/store.js';
import { CLIENT_CERT_VALIDITY_DAYS, PROVIDER_ID } from './enroll.js';

export interface RenewInput {
  store: ManagementStore;
  authority: KeyAndCert;
  certificates: ClientCertificateVerifier;
  request: RequestSecurityToken;
  /** The certificate the device presented on TLS (undefined when none). */
  peerCertificate: X509Certificate | undefined;
  now?: Date;
  /** Life of the certificate issued; CLIENT_CERT_VALIDITY_DAYS when unset. */
  validityDays?: number;
}

export interface RenewResult {
  enrollment: Enrollment;
  provisioningDocXml: string;
  previousThumbprint: string;
}

export async function renewCertificate(input: RenewInput): Promise<RenewResult> {
  const { request: rst, store } = input;
  if (!rst.binarySecurityToken.valueType.endsWith('#PKCS7')) {
    throw new EnrollmentFault('certificateRequest', 'A renewal must carry a PKCS#7 signed with the current certificate.');
  }
  if (!input.peerCertificate) throw new EnrollmentFault('authentication', 'Renewal requires the current MDM certificate on the TLS connection.');
  const previousThumbprint = input.certificates.verify(input.peerCertificate, input.now);
  if (!previousThumbprint) throw new EnrollmentFault('authentication', 'The client certificate was not issued by this MDM or has expired.');
  const enrollment = await store.getEnrollmentByThumbprint(previousThumbprint);
  if (!enrollment || UNENROLLED_STATES.includes(enrollment.managementState)) {
    throw new EnrollmentFault('authentication', 'The client certificate belongs to no current enrollment.');
  }
  const claimed = rst.additionalContext['DeviceID'];
  if (claimed !== undefined && claimed !== '' && claimed !== enrollment.mdmDeviceId) {
    throw new EnrollmentFault('authentication', 'The DeviceID does not match the certificate being renewed.');
  }

  let csr;
  try {
    csr = await verifyCsr(openRenewalRequest(rst.binarySecurityToken.value, input.peerCertificate));
  } catch (error) {
    if (error instanceof CsrError) throw new EnrollmentFault('certificateRequest', error.message);
    throw error;
  }
  const certPem = await signPublicKey(input.authority, csr.publicKey, {
    commonName: enrollment.mdmDeviceId,
    validityDays: input.validityDays ?? CLIENT_CERT_VALIDITY_DAYS,
    usage: 'client',
  });
  const certThumbprint = thumbprint(certPem);
  if (!(await store.replaceCertificate(enrollment.id, previousThumbprint, certPem, certThumbprint))) {
    throw new EnrollmentFault('authentication', 'The certificate was renewed or replaced meanwhile.');
  }
  const provisioningDocXml = buildRenewalProvisioningDoc({
    rootCaThumbprint: thumbprint(input.authority.certPem),
    rootCaBase64: certificateDerBase64(input.authority.certPem),
    clientCertThumbprint: certThumbprint,
    clientCertBase64: certificateDerBase64(certPem),
    certStore: enrollment.enrollmentType === 'Device' ? 'System' : 'User',
    providerId: PROVIDER_ID,
  });
  return { enrollment: { ...enrollment, certPem, certThumbprint }, provisioningDocXml, previousThumbprint };
}
