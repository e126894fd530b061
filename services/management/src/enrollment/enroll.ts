/**
 * MS-WSTEP enrollment: a device authenticated by identity's token sends a PKCS#10 and its
 * context; management signs its MDM client certificate, records the enrollment with its
 * first-session commands, and answers with the provisioning document that points the
 * device's DM client at MDM.svc.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CsrError, certificateDerBase64, signPublicKey, thumbprint, verifyCsr, type KeyAndCert, type SecretBox } from '@baton/kit';
import { buildProvisioningDoc, TOKEN, type PollSettings, type RequestSecurityToken } from '@baton/protocols';
import { EnrollmentFault } from '../errors.js';
import { newNonce } from '../session/authenticate.js';
import { firstSessionCommands } from '../session/inventory.js';
import type { Enrollment, ManagementStore } from '../store/store.js';
import type { DeviceIdentity } from './token.js';

export const PROVIDER_ID = 'Baton';
export const PROVIDER_NAME = 'Baton';
export const CLIENT_CERT_VALIDITY_DAYS = 365;

/**
 * The DM client's poll schedule: three polls 15 minutes apart right after enrollment (to
 * pick up what was assigned during OOBE), then every 8 hours for as long as the device is
 * enrolled (NumberOfRemainingScheduledRetries 0 = no end). A one-minute endless poll, as
 * some servers use, costs ~1,670 sessions/s per 100k devices; pushing a wake-up is the
 * way to get lower latency, not polling.
 */
export const POLL_SCHEDULE: PollSettings = {
  intervalForFirstSetOfRetriesMinutes: 15,
  numberOfFirstRetries: 3,
  intervalForSecondSetOfRetriesMinutes: 480,
  numberOfSecondRetries: 1,
  intervalForRemainingScheduledRetriesMinutes: 480,
  numberOfRemainingScheduledRetries: 0,
  pollOnLogin: true,
  allUsersPollOnFirstLogin: true,
};

// The DeviceID becomes the certificate CN and the SyncML Source LocURI: keep it plain.
const DEVICE_ID_RE = /^[A-Za-z0-9{}._:-]{1,128}$/;
const MAX_CONTEXT_VALUE = 256;

function contextValue(rst: RequestSecurityToken, name: string): string | undefined {
  const value = rst.additionalContext[name];
  if (value === undefined || value === '') return undefined;
  return value.length > MAX_CONTEXT_VALUE ? value.slice(0, MAX_CONTEXT_VALUE) : value;
}

export interface EnrollInput {
  store: ManagementStore;
  authority: KeyAndCert;
  /** Seals the device's OMA-DM digest secret. */
  secrets: SecretBox;
  identity: DeviceIdentity;
  request: RequestSecurityToken;
  managementUrl: string;
  now?: Date;
  /** Life of the certificate issued; CLIENT_CERT_VALIDITY_DAYS when unset. */
  validityDays?: number;
}

export interface EnrollResult {
  enrollment: Enrollment;
  provisioningDocXml: string;
  replaced: string[];
}

export async function enrollDevice(input: EnrollInput): Promise<EnrollResult> {
  const { request: rst, identity } = input;
  const now = input.now ?? new Date();

  if (rst.requestType && rst.requestType !== TOKEN.issue) {
    throw new EnrollmentFault('certificateRequest', 'Only enrollment (wst:Issue) and certificate renewal (wst:Renew) are supported.');
  }
  if (!rst.binarySecurityToken.valueType.endsWith('#PKCS10')) {
    throw new EnrollmentFault('certificateRequest', 'The request must carry a PKCS#10 certificate request.');
  }
  const mdmDeviceId = contextValue(rst, 'DeviceID');
  if (!mdmDeviceId || !DEVICE_ID_RE.test(mdmDeviceId)) {
    throw new EnrollmentFault('messageFormat', 'AdditionalContext must name the device (DeviceID).');
  }
  const enrollmentType = contextValue(rst, 'EnrollmentType') ?? 'Full';
  if (enrollmentType !== 'Full' && enrollmentType !== 'Device') {
    throw new EnrollmentFault('messageFormat', `EnrollmentType ${enrollmentType} is not supported.`);
  }

  const hwDevId = contextValue(rst, 'HWDevID') ?? null;
  if (identity.deviceAuth && (await input.store.findEnrollmentOfDevice(identity.tenantId, { azureAdDeviceId: identity.deviceId, mdmDeviceId, hwDevId }))) {
    throw new EnrollmentFault('deviceNotSupported', 'This self-deploying device is enrolled already; delete its managed device record before it enrolls again (0x80180014).');
  }

  let csr;
  try {
    csr = await verifyCsr(rst.binarySecurityToken.value);
  } catch (error) {
    if (error instanceof CsrError) throw new EnrollmentFault('certificateRequest', error.message);
    throw error;
  }
  // Windows puts odd things in the CSR subject; the certificate names the device instead.
  const certPem = await signPublicKey(input.authority, csr.publicKey, {
    commonName: mdmDeviceId,
    validityDays: input.validityDays ?? CLIENT_CERT_VALIDITY_DAYS,
    usage: 'client',
  });
  const certThumbprint = thumbprint(certPem);

  const enrollment: Enrollment = {
    id: randomUUID(),
    tenantId: identity.tenantId,
    azureAdDeviceId: identity.deviceId,
    userId: identity.userId,
    upn: identity.upn,
    userDisplayName: identity.userDisplayName,
    userEmail: identity.upn,
    deviceAuth: identity.deviceAuth,
    autopilotMode: identity.autopilotMode,
    mdmDeviceId,
    hwDevId,
    deviceName: contextValue(rst, 'DeviceName') ?? null,
    osVersion: contextValue(rst, 'OSVersion') ?? null,
    enrollmentType,
    certThumbprint,
    certPem,
    enrolledAt: now.toISOString(),
    lastSyncAt: null,
    managementState: 'enrolling',
    inventory: {},
  };
  // APPAUTH CLIENT: what the device uses for the OMA-DM MD5 digest when it does not present
  // its certificate over TLS (session/authenticate.ts). The APPSRV pair would let the device
  // authenticate the server by digest; TLS server authentication does that job, so its
  // secret is random and kept nowhere.
  const clientName = enrollment.id;
  const clientSecret = randomBytes(24).toString('base64url');
  const clientNonce = newNonce();
  const appAuth = {
    clientName,
    clientSecret,
    clientNonceBase64: clientNonce,
    serverName: PROVIDER_ID,
    serverSecret: randomBytes(24).toString('base64url'),
    serverNonceBase64: newNonce(),
  };
  const replaced = await input.store.replaceEnrollment(enrollment, firstSessionCommands(), {
    userName: clientName,
    secretSealed: input.secrets.seal(clientSecret),
    nonce: clientNonce,
  });

  const provisioningDocXml = buildProvisioningDoc({
    rootCaThumbprint: thumbprint(input.authority.certPem),
    rootCaBase64: certificateDerBase64(input.authority.certPem),
    clientCertThumbprint: certThumbprint,
    clientCertBase64: certificateDerBase64(certPem),
    certStore: enrollmentType === 'Device' ? 'System' : 'User',
    providerId: PROVIDER_ID,
    providerName: PROVIDER_NAME,
    managementUrl: input.managementUrl,
    poll: POLL_SCHEDULE,
    appAuth,
    // Tells the DM client which certificate to present on the TLS handshake to MDM.svc.
    sslClientCertSearchCriteria: `Subject=CN%3D${encodeURIComponent(mdmDeviceId)}&Stores=MY%5C${enrollmentType === 'Device' ? 'System' : 'User'}`,
  });
  return { enrollment, provisioningDocXml, replaced };
}
