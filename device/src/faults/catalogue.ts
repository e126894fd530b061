/**
 * Named faults a provisioning can suffer, each with the service and phase that own it and
 * the error code that service records. Each is injected the way reality produces it: the
 * device is not registered, or registered elsewhere; the user types a wrong password; the
 * device's TPM or a CSP misbehaves; a service cannot be reached. Nothing fakes the evidence
 * a diagnosis reads: the services record what they saw.
 */
import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import type { ChainPhase, ServiceName } from '@baton/contracts';
import type { ProvisioningMode } from '../agent.js';
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
  | 'deviceObjectDeleted'
  | 'enrollmentRefused'
  | 'certificateExpired'
  | 'cspError'
  | 'noncompliant'
  | 'appInstallFailure'
  | 'espTimeout'
  | 'serviceDown';

/**
 * A user of the tenant whose account, methods or policies make the fault, arranged by an
 * administrator over Graph before the device runs (`locked`: smart lockout after wrong
 * passwords typed on a web sign-in; `mfa`: a TOTP method registered; `blocked`: a
 * conditional access policy blocks them from joining devices; `noncompliant`: in a group
 * a BitLocker compliance policy is assigned to).
 */
export type FaultUser = 'locked' | 'mfa' | 'blocked' | 'noncompliant';

export const FAULT_USERS: readonly FaultUser[] = ['locked', 'mfa', 'blocked', 'noncompliant'];

/**
 * What has to be arranged for a fault, outside the device: how the device is registered
 * (`none`: not at all; `otherTenant`: another tenant registered it first; `noProfile`: in a
 * tenant with no profile for it), which password the user types, which user signs in
 * (the tenant's usual user unless `user` names one), which service the device cannot
 * reach during its handoff.
 */
export interface FaultSetup {
  registration: 'own' | 'none' | 'otherTenant' | 'noProfile';
  password: 'right' | 'wrong';
  user?: FaultUser;
  /**
   * Management must issue MDM certificates this short-lived (BATON_MDM_CERT_VALIDITY_DAYS)
   * for a device's shelf time to outlast one in a rehearsal; real ones live a year.
   */
  mdmCertificateValidityDays?: number;
  unreachable?: ServiceName;
  behaviour?: DeviceBehaviour;
  /** The device must be assigned a profile of this mode (a self-deploying fault needs a shared profile). */
  mode?: ProvisioningMode;
  /** What the tenant must have besides the registration: a required app its ESP blocks on. */
  tenant?: EspArrangement;
  /**
   * What an administrator does while a pre-provisioned device sits resealed:
   * `deleteDeviceObject` deletes its Entra device object through Graph (a stale-device cleanup
   * that takes the unused, resealed device for stale).
   */
  whileResealed?: ResealedArrangement;
}

export type ResealedArrangement = 'deleteDeviceObject';

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

/** The MDM certificate life a rehearsal of certificate expiry runs management with: 20 s. */
export const SHELF_CERTIFICATE_VALIDITY_DAYS = 20 / 86_400;
/** Longer than this, and a device would wait out a real certificate: refuse rather than hang. */
const MAX_SHELF_MS = 5 * 60_000;

/** Waits (as a device on a shelf) until its MDM certificate has expired by a second and a half. */
export async function shelveUntilExpired(mdmCertificatePem: string): Promise<void> {
  const wait = Date.parse(new X509Certificate(mdmCertificatePem).validTo) - Date.now() + 1_500;
  if (wait > MAX_SHELF_MS) throw new Error(`the MDM certificate lives ${Math.round(wait / 1000)} s more: run management with a short BATON_MDM_CERT_VALIDITY_DAYS to rehearse its expiry`);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

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
    summary: 'Wrong passwords typed on a web sign-in locked the account; the OOBE sign-in is refused even with the right password.',
    available: true,
    fleet: true,
    setup: () => ({ ...healthy(), user: 'locked' }),
  },
  conditionalAccessBlock: {
    name: 'conditionalAccessBlock',
    service: 'identity',
    phase: 'authentication',
    errorCode: 'AADSTS53003',
    summary: "A conditional access policy blocks the user's 'Register or join devices' action; the OOBE sign-in is refused.",
    available: true,
    fleet: true,
    setup: () => ({ ...healthy(), user: 'blocked' }),
  },
  mfaFailure: {
    name: 'mfaFailure',
    service: 'identity',
    phase: 'authentication',
    errorCode: 'AADSTS50076',
    summary: 'The user has a TOTP second factor registered; a password alone cannot satisfy it, so the OOBE sign-in is refused.',
    available: true,
    fleet: true,
    setup: () => ({ ...healthy(), user: 'mfa' }),
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
    phase: 'attestation',
    errorCode: '0x801C03EA',
    summary: "A self-deploying device's TPM answers the attestation challenge wrongly; identity refuses it (Securing your hardware fails).",
    available: true,
    fleet: true,
    setup: () => ({ ...healthy(), mode: 'selfDeploying', behaviour: { tpmAnswer: () => randomBytes(32) } }),
  },
  deviceObjectDeleted: {
    name: 'deviceObjectDeleted',
    service: 'identity',
    phase: 'deviceToken',
    errorCode: 'AADSTS700003',
    summary:
      "An administrator deleted the Autopilot-anchored Entra device object of a pre-provisioned device while it sat resealed; the user's sign-in cannot be bound to the device (AADSTS700003, 0x801C03F3).",
    available: true,
    fleet: true,
    setup: () => ({ ...healthy(), mode: 'preProvisioned', whileResealed: 'deleteDeviceObject' }),
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
    summary: 'A pre-provisioned device waited on a shelf longer than its MDM certificate lives; its first OMA-DM session presents the expired certificate and management refuses it (SyncHdr 401).',
    available: true,
    // A fleet's management issues year-long certificates: no device of it can outwait one.
    fleet: false,
    setup: () => ({ ...healthy(), mdmCertificateValidityDays: SHELF_CERTIFICATE_VALIDITY_DAYS, behaviour: { beforeFirstSession: shelveUntilExpired } }),
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
    summary: "BitLocker is off on the device and a compliance policy assigned to its user's group requires it: noncompliant after setup.",
    available: true,
    fleet: true,
    setup: () => ({ ...healthy(), user: 'noncompliant', behaviour: { security: { bitLocker: false } } }),
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
