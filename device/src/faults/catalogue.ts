/**
 * Named faults a provisioning can suffer, each with the service and phase that own it and
 * the error code that service records. Each is injected the way reality produces it: the
 * device is not registered, or registered elsewhere; the user types a wrong password; the
 * device's TPM or a CSP misbehaves; a service cannot be reached. Nothing fakes the evidence
 * a diagnosis reads: the services record what they saw.
 */
import { webcrypto } from 'node:crypto';
import type { ChainPhase, ServiceName } from '@baton/contracts';
import type { DeviceBehaviour } from './behaviour.js';

const crypto = webcrypto as unknown as Crypto;

export type FaultName =
  | 'deviceNotRegistered'
  | 'registeredToOtherTenant'
  | 'noProfileAssigned'
  | 'wrongPassword'
  | 'accountLocked'
  | 'conditionalAccessBlock'
  | 'mfaFailure'
  | 'joinRefused'
  | 'tpmAttestationFailure'
  | 'enrollmentRefused'
  | 'certificateExpired'
  | 'cspError'
  | 'noncompliant'
  | 'appInstallFailure'
  | 'espTimeout'
  | 'serviceDown';

/**
 * What has to be arranged for a fault, outside the device: how the device is registered
 * (`none`: not at all; `otherTenant`: another tenant registered it first; `noProfile`: in a
 * tenant with no profile for it), which password the user types, which service the device
 * cannot reach during its handoff.
 */
export interface FaultSetup {
  registration: 'own' | 'none' | 'otherTenant' | 'noProfile';
  password: 'right' | 'wrong';
  unreachable?: ServiceName;
  behaviour?: DeviceBehaviour;
  /** What the tenant must have besides the registration: a required app its ESP blocks on. */
  tenant?: EspArrangement;
}

/**
 * A tenant arrangement: one required MSI (this product code) assigned to all devices, and an
 * Enrollment Status Page for all devices that blocks on it with this timeout.
 */
export interface EspArrangement {
  blockingApp: { productCode: string; displayName: string };
  timeoutMinutes: number;
}

/** The app the ESP faults block on, and the ESP that waits for it. */
export const ESP_FAULT_ARRANGEMENT: EspArrangement = {
  blockingApp: { productCode: '{B1A7C0DE-FA17-4000-8000-00000000E5E5}', displayName: 'Contoso Line-of-Business Agent' },
  timeoutMinutes: 15,
};

export interface FaultSpec {
  name: FaultName;
  service: ServiceName;
  phase: ChainPhase;
  /** The code the owning service records, which `baton diagnose` names. */
  errorCode: string;
  summary: string;
  /** False while a service lacks the feature the fault needs; `pending` says which. */
  available: boolean;
  pending?: string;
  /** Whether a fleet on one tenant can carry it (no second tenant needed). */
  fleet: boolean;
  setup(): FaultSetup;
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]) } as const;

/** An RSA key pair of `bits`: what a TPM 1.2-era or software key provider hands out. */
function rsaKeys(bits: number): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ ...RSA, modulusLength: bits }, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

const healthy = (): FaultSetup => ({ registration: 'own', password: 'right' });
const pending = (reason: string) => ({ available: false, pending: reason, fleet: false, setup: healthy });

/** The node the DevDetail CSP fails on: management reads it in every first session. */
export const FAILING_CSP_NODE = './DevDetail/Ext/Microsoft/DeviceName';

export const FAULTS: Record<FaultName, FaultSpec> = {
  deviceNotRegistered: {
    name: 'deviceNotRegistered',
    service: 'discovery',
    phase: 'discovery',
    errorCode: 'ZtdDeviceNotFound',
    summary: 'The hardware hash was never imported: the lookup finds no registration.',
    available: true,
    fleet: true,
    setup: () => ({ ...healthy(), registration: 'none' }),
  },
  registeredToOtherTenant: {
    name: 'registeredToOtherTenant',
    service: 'discovery',
    phase: 'discovery',
    errorCode: 'ZtdDeviceAssignedToOtherTenant',
    summary: "Another tenant registered the device first; this tenant's import is refused (808).",
    available: true,
    fleet: false,
    setup: () => ({ ...healthy(), registration: 'otherTenant' }),
  },
  noProfileAssigned: {
    name: 'noProfileAssigned',
    service: 'discovery',
    phase: 'discovery',
    errorCode: 'ZtdProfileNotAssigned',
    summary: 'The device is registered but no deployment profile targets it.',
    available: true,
    fleet: false,
    setup: () => ({ ...healthy(), registration: 'noProfile' }),
  },
  wrongPassword: {
    name: 'wrongPassword',
    service: 'identity',
    phase: 'authentication',
    errorCode: 'AADSTS50126',
    summary: 'The user types a wrong password at the OOBE sign-in.',
    available: true,
    fleet: true,
    setup: () => ({ ...healthy(), password: 'wrong' }),
  },
  accountLocked: {
    name: 'accountLocked',
    service: 'identity',
    phase: 'authentication',
    errorCode: 'AADSTS50053',
    summary: 'The account is locked after repeated failed sign-ins.',
    ...pending('identity has no smart lockout yet'),
  },
  conditionalAccessBlock: {
    name: 'conditionalAccessBlock',
    service: 'identity',
    phase: 'authentication',
    errorCode: 'AADSTS53003',
    summary: 'A conditional access policy blocks the sign-in.',
    ...pending('identity does not evaluate conditional access at the token endpoint yet'),
  },
  mfaFailure: {
    name: 'mfaFailure',
    service: 'identity',
    phase: 'authentication',
    errorCode: 'AADSTS50076',
    summary: 'Multi-factor authentication is required and not satisfied.',
    ...pending('identity has no MFA requirement on the sign-in the device uses yet'),
  },
  joinRefused: {
    name: 'joinRefused',
    service: 'identity',
    phase: 'join',
    errorCode: 'error_invalid_csr',
    summary: "The device's key provider offers an RSA-1024 key; device registration refuses the join.",
    available: true,
    fleet: true,
    setup: () => ({ ...healthy(), behaviour: { joinKeys: () => rsaKeys(1024) } }),
  },
  tpmAttestationFailure: {
    name: 'tpmAttestationFailure',
    service: 'identity',
    phase: 'deviceToken',
    errorCode: 'AADSTS50155',
    summary: 'The TPM signs the device-bound token request with a key other than the one the join certified (0x801C03EA).',
    available: true,
    fleet: true,
    setup: () => ({ ...healthy(), behaviour: { deviceTokenKey: async () => (await rsaKeys(2048)).privateKey } }),
  },
  enrollmentRefused: {
    name: 'enrollmentRefused',
    service: 'management',
    phase: 'enrollment',
    errorCode: 'certificaterequest',
    summary: 'The MDM certificate request carries an RSA-1024 key; enrollment answers the MS-MDE2 CertificateRequest fault.',
    available: true,
    fleet: true,
    setup: () => ({ ...healthy(), behaviour: { mdmKeys: () => rsaKeys(1024) } }),
  },
  certificateExpired: {
    name: 'certificateExpired',
    service: 'management',
    phase: 'deviceSetup',
    errorCode: '401',
    summary: "The device's MDM client certificate has expired; OMA-DM refuses the session.",
    ...pending('management issues MDM certificates with a fixed lifetime and no way to age one short of waiting it out'),
  },
  cspError: {
    name: 'cspError',
    service: 'management',
    phase: 'deviceSetup',
    errorCode: '500',
    summary: 'The DevDetail CSP fails (SyncML 500) on a node management reads in the first OMA-DM session.',
    available: true,
    fleet: true,
    setup: () => ({ ...healthy(), behaviour: { failingCspNodes: { [FAILING_CSP_NODE]: '500' } } }),
  },
  noncompliant: {
    name: 'noncompliant',
    service: 'management',
    phase: 'deviceSetup',
    errorCode: 'noncompliant',
    summary: 'The device fails a compliance policy.',
    ...pending('management does not evaluate compliance policies yet'),
  },
  appInstallFailure: {
    name: 'appInstallFailure',
    service: 'management',
    phase: 'deviceSetup',
    errorCode: '0x80070643',
    summary: "An app the Enrollment Status Page blocks on fails to install (the Windows installer's fatal error, MSI 1603); device setup fails naming it.",
    available: true,
    fleet: false,
    setup: () => ({
      ...healthy(),
      tenant: ESP_FAULT_ARRANGEMENT,
      behaviour: { appInstalls: { [ESP_FAULT_ARRANGEMENT.blockingApp.productCode]: { errorCode: '0x80070643' } } },
    }),
  },
  espTimeout: {
    name: 'espTimeout',
    service: 'management',
    phase: 'deviceSetup',
    errorCode: '0x800705B4',
    summary: 'An app the Enrollment Status Page blocks on never finishes installing; the page times out (ERROR_TIMEOUT) naming it.',
    available: true,
    fleet: false,
    setup: () => ({ ...healthy(), tenant: ESP_FAULT_ARRANGEMENT, behaviour: { appInstalls: { [ESP_FAULT_ARRANGEMENT.blockingApp.productCode]: { hang: true } } } }),
  },
  serviceDown: {
    name: 'serviceDown',
    service: 'management',
    phase: 'mdmDiscovery',
    errorCode: 'unreachable',
    summary: "Management cannot be reached when identity hands the device over; the device's next attempt succeeds once it is back.",
    available: true,
    fleet: true,
    setup: () => ({ ...healthy(), unreachable: 'management' }),
  },
};

export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

/** The faults that can be injected now. */
export function availableFaults(options: { fleet?: boolean } = {}): FaultSpec[] {
  return Object.values(FAULTS).filter((f) => f.available && (!options.fleet || f.fleet));
}

export function isFaultName(value: string): value is FaultName {
  return Object.hasOwn(FAULTS, value);
}
