/**
 * Known error codes by service: what each means and what an administrator does about it.
 * Codes are the ones the services record in their feeds: Autopilot/ZTD errors (discovery),
 * AADSTS numbers and device-registration subcodes (identity), MS-MDE2 fault subcodes and
 * SyncML statuses (management). Sources: Microsoft's Autopilot, Entra and Intune
 * troubleshooting documentation and [MS-MDE2] §2.2.10 (see the design reference, §4.3).
 */
import type { ServiceName } from '@baton/contracts';

export interface CodeInfo {
  meaning: string;
  remediation: string;
  /** The HRESULT or number Windows shows for it, when there is one. */
  windows?: string;
}

const DISCOVERY: Record<string, CodeInfo> = {
  ZtdDeviceNotFound: {
    meaning: 'No tenant has registered this hardware hash: the device gets no Autopilot profile (IsAutopilotDisabled=1, event 100).',
    remediation: 'Import the hardware hash (Autopilot CSV or Graph importedWindowsAutopilotDeviceIdentities), then restart OOBE.',
  },
  ZtdProfileNotAssigned: {
    meaning: 'The device is registered, but no deployment profile targets it (the default profile, or a blank one cached).',
    remediation: "Assign a deployment profile to a group the device is in (check its group tag), wait for 'assigned', then restart OOBE.",
  },
  ZtdDeviceAssignedToOtherTenant: {
    meaning: 'Another tenant has this device registered, so this tenant cannot register it (import error 808).',
    remediation: 'Have the other tenant deregister the device (or the reseller release it), then import it again.',
    windows: '808',
  },
  ZtdDeviceAlreadyAssigned: {
    meaning: 'The device is already registered in this tenant (import error 806).',
    remediation: 'Nothing to do, or delete the old registration first to re-import with new attributes.',
    windows: '806',
  },
  ZtdAmbiguousDevice: {
    meaning: 'The serial/make/model tuple matches more than one registration.',
    remediation: 'Remove the duplicate registration, or register the device by its hardware hash.',
  },
  ServiceUnavailable: {
    meaning: 'Discovery could not hand the device to identity (identity unreachable) and had no cached answer.',
    remediation: 'Check that identity is up; the device succeeds on its next lookup once it is.',
  },
};

const IDENTITY: Record<string, CodeInfo> = {
  AADSTS50126: { meaning: 'Invalid username or password.', remediation: 'Have the user retry with the right password, or reset it.' },
  AADSTS50034: { meaning: 'The user does not exist in this tenant.', remediation: "Sign in with an account of the device's Autopilot tenant (TenantMatched=0 otherwise)." },
  AADSTS50057: { meaning: 'The user account is disabled.', remediation: 'Enable the account (accountEnabled) or use another user.' },
  AADSTS50053: {
    meaning: 'The account is locked (smart lockout) after too many wrong passwords, wherever they were typed; the right password is refused until the lockout ends.',
    remediation: 'Wait for the lockout to end (15 minutes by default) and sign in again; if the failures were not the user, reset the password and look at the sign-in log for their source.',
  },
  AADSTS53003: {
    meaning: 'Blocked by a conditional access policy (for device setup: one that targets the user action "Register or join devices" or the Microsoft Intune Enrollment app).',
    remediation: 'Find the policy in the sign-in log (auditLogs/signIns, appliedConditionalAccessPolicies); exclude the user or the enrollment scenario if the block is not intended.',
  },
  AADSTS50076: {
    meaning: 'Multi-factor authentication is required and the sign-in did not satisfy it: the user has a second factor registered, or a conditional access policy requires MFA, and only a password was given.',
    remediation: "Sign in with the web sign-in that asks for the second factor; if MFA should not apply to device setup, review the conditional access policy named in the sign-in log (auditLogs/signIns).",
  },
  AADSTS50155: {
    meaning: 'Device authentication failed: the device-bound token request was not signed by the key its certificate names (TPM attestation).',
    remediation: 'Check the TPM (2.0, firmware up to date, not a VM without vTPM); clear the TPM and reset the device; re-register if the device object was deleted.',
    windows: '0x801C03EA',
  },
  '0x801C03EA': {
    meaning: "TPM attestation failed (Securing your hardware): the device's EK is not registered in this tenant, its profile is not self-deploying, or its TPM did not answer the challenge for its attestation key.",
    remediation: "Check the device is registered here with a self-deploying profile (the hash's EK must be the TPM's); update TPM firmware, clear the TPM and reset the device; a VM needs a vTPM.",
    windows: '0x801C03EA',
  },
  AADSTS700003: {
    meaning:
      "The device's Entra object was not found: it was deleted (for an Autopilot device, the object its import created and its join used, e.g. by a stale-device cleanup while a pre-provisioned device sat resealed), so nothing the device proves with its certificate is accepted.",
    remediation:
      'Do not delete Autopilot-anchored device objects. Delete the device from Intune and from Autopilot, import its hardware hash again (which creates the Entra object anew), then reset the device and provision it again.',
    windows: '0x801C03F3',
  },
  AADSTS135011: { meaning: 'The device used for authentication is disabled.', remediation: 'Enable the device object in Entra, or delete it and re-provision.' },
  AADSTS90002: { meaning: 'The tenant was not found.', remediation: "Check the authority the device was given (discovery's profile names it)." },
  AADSTS70008: { meaning: 'The refresh token expired or was revoked.', remediation: 'Sign in again.' },
  error_invalid_csr: {
    meaning: "Device registration refused the join: the certificate request is unusable (weak key, wrong subject, bad signature).",
    remediation: "Check the device's TPM/key provider (RSA 2048 keys are required); update TPM firmware.",
    windows: '0x801C0003',
  },
  error_invalid_token: { meaning: 'Device registration refused the access token (expired, wrong audience, disabled user).', remediation: 'Sign in again; check that the user is enabled and allowed to join devices.', windows: '0x801C0002' },
  error_tenant_mismatch: { meaning: "The user's token is for another tenant than the one the device joins.", remediation: 'Sign in with an account of the Autopilot tenant.' },
  error_tenant_not_found: { meaning: 'The tenant named for the join does not exist.', remediation: "Check the tenant the device's profile names.", windows: '0x801C003A' },
  error_device_conflict: { meaning: 'Another join for this device was in progress.', remediation: 'Retry; it resolves itself.' },
  error_mdm_not_configured: { meaning: 'The tenant has no MDM application, so the join cannot name where to enroll.', remediation: 'Register the MDM application (management URLs) in the tenant.' },
};

const MANAGEMENT: Record<string, CodeInfo> = {
  messageformat: { meaning: 'MS-MDE2 MessageFormat: the enrollment request was malformed.', remediation: 'Check the client and any proxy rewriting the request.', windows: '0x80180001' },
  authentication: {
    meaning: 'MS-MDE2 Authentication: the token identifies no joined device (no device id).',
    remediation: 'The device must join identity and use its device-bound token; re-run the join.',
    windows: '0x80180002',
  },
  authorization: { meaning: 'MS-MDE2 Authorization: the user may not enroll (license, enrollment restrictions).', remediation: 'Assign an Intune licence; check MDM user scope.', windows: '0x80180003' },
  certificaterequest: {
    meaning: 'MS-MDE2 CertificateRequest: the PKCS#10 was refused (weak key, bad signature, unsupported request).',
    remediation: "Check the device's key provider/TPM (RSA 2048 required) and retry enrollment.",
    windows: '0x80180004',
  },
  enrollmentserver: { meaning: 'MS-MDE2 EnrollmentServer: the enrollment service failed.', remediation: 'Check the management service logs; retry.', windows: '0x80180005' },
  internalservicefault: { meaning: 'MS-MDE2 InternalServiceFault: management failed internally.', remediation: 'Check the management service logs; the device retries.', windows: '0x80180006' },
  invalidsecurity: { meaning: 'MS-MDE2 InvalidSecurity: no token, or one identity did not sign for management.', remediation: 'Check that the device has its device-bound token for the MDM resource.', windows: '0x80180007' },
  devicenotsupported: { meaning: 'MS-MDE2 DeviceNotSupported: enrollment blocked by platform restriction or re-enrollment limit.', remediation: 'Check enrollment restrictions; delete the stale Intune record.', windows: '0x80180014' },
  devicecapreached: { meaning: 'MS-MDE2 DeviceCapReached: the user enrolled too many devices.', remediation: 'Raise the device limit or remove old devices.', windows: '0x80180013' },
  unreachable: {
    meaning: "The previous service handed the device over, but this service recorded nothing for it afterwards: it was down or unreachable at the handoff.",
    remediation: 'Check that the service is up and reachable from devices (DNS, proxy, firewall); the device succeeds on its next attempt once it is.',
    windows: '0x80072EE2',
  },
  noncompliant: {
    meaning: 'The device finished setup but fails a compliance policy assigned to it or its user; conditional access that requires a compliant device will refuse it.',
    remediation: 'Fix the failing setting on the device (the detail names it, with what the device reported) and let it check in; or review the policy and its assignment; a grace period in the policy\'s block action gives time to fix it.',
  },
  '401': { meaning: "SyncML 401: the device's MDM certificate was refused (expired, revoked or not the enrollment's).", remediation: 'Re-enroll the device (its MDM certificate is no longer valid).' },
  '403': { meaning: 'SyncML 403: the command was forbidden on the device.', remediation: 'Check the policy targets a node the device lets MDM write.' },
  '404': { meaning: 'SyncML 404: the node does not exist on the device.', remediation: 'Check the OMA-URI and the Windows edition/version the policy needs.' },
  '405': { meaning: 'SyncML 405: the command is not allowed on that node (read-only).', remediation: 'Fix the policy: the node cannot be written.' },
  '406': { meaning: 'SyncML 406: optional feature not supported.', remediation: 'Check the Windows edition supports the setting.' },
  '418': { meaning: 'SyncML 418: Add of a node that already exists.', remediation: 'Use Replace for existing nodes.' },
  '500': { meaning: 'SyncML 500: the configuration service provider failed executing the command.', remediation: "Read the device's DeviceManagement-Enterprise-Diagnostics-Provider log for the CSP; fix or remove the setting." },
  '0x80070643': {
    meaning: 'An app the Enrollment Status Page blocks on failed to install: the Windows installer reported a fatal error (MSI 1603).',
    remediation: "Read the app's install log on the device (msiexec /l*v); check its command line and prerequisites, or take it off the ESP's blocking list.",
    windows: '0x80070643',
  },
  '0x800705B4': {
    meaning: 'The Enrollment Status Page timed out: an app it blocks on had not finished installing within the configured minutes.',
    remediation: 'Find the app still installing (autopilotEvents names it); fix an installer that waits for input, or raise installProgressTimeoutInMinutes.',
    windows: '0x800705B4',
  },
  '507': { meaning: 'SyncML 507: an Atomic command failed and was rolled back.', remediation: 'Find the failing command inside the Atomic.' },
};

const UNKNOWN_ONLY: Record<string, CodeInfo> = {
  unreachable: MANAGEMENT.unreachable!,
};

export const KNOWN_CODES: Record<ServiceName, Record<string, CodeInfo>> = {
  discovery: { ...UNKNOWN_ONLY, ...DISCOVERY },
  identity: { ...UNKNOWN_ONLY, ...IDENTITY },
  management: MANAGEMENT,
};

export function explainCode(service: ServiceName, code: string | null): CodeInfo {
  if (!code) return { meaning: 'No error code was recorded.', remediation: "Read the service's logs for this trace id." };
  return (
    KNOWN_CODES[service][code] ?? KNOWN_CODES[service][code.toLowerCase()] ?? {
      meaning: `${service} answered ${code}, a code Baton's table does not describe.`,
      remediation: `Read ${service}'s logs for this trace id.`,
    }
  );
}
