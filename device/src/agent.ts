/**
 * One Windows device walking the provisioning chain. It is configured with discovery's URL
 * only; each later URL is read from the answer of the service before it (chain.md). A
 * protocol failure never throws: the result names the phase, the service that answered and
 * the error code in that service's protocol.
 */
import { decodeJwt } from 'jose';
import { createHttpsFetch, childTraceparent, TlsSessionCache, type Fetch } from '@baton/kit';
import { MDM_RESOURCE, OOBE_AAD_DEVICE_AUTH, OOBE_TPM_ATTESTATION } from '@baton/contracts';
import { CspTree, type DeviceState } from './csp-tree.js';
import { ChainError, type ChainService } from './errors.js';
import type { DeviceBehaviour } from './faults/behaviour.js';
import { hardwareHash } from './hardware-hash.js';
import { getJson, json, requireUrl, type DeviceHttp } from './http.js';
import { deviceNameFromTemplate, hardwareDeviceId, mdmDeviceId, type DeviceInventory } from './inventory.js';
import { attest } from './steps/attest.js';
import { authenticate, openIdConfigurationUrl, type AuthenticateFacts } from './steps/authenticate.js';
import { deviceToken } from './steps/device-token.js';
import { enroll, renew } from './steps/enroll.js';
import { join } from './steps/join.js';
import { lookup, type LookupFacts } from './steps/lookup.js';
import { sync, type OmaDmFacts } from './steps/omadm.js';
import { escrowRecoveryPassword, type KeyEscrowInput } from './steps/key-escrow.js';
import { SimulatedTpm } from './tpm.js';
import { soapFaultError } from './xml-errors.js';
import { ESP_TIMEOUT_CODE, espSettings, espVerdict, recordOutcome, type EspPhase } from './esp.js';
import { FAST_PACE, type Pace } from './pace.js';
import { signInOnPages } from './steps/sign-in-pages.js';

export type PhaseName =
  | 'lookup'
  | 'attest'
  | 'authenticate'
  | 'join'
  | 'deviceToken'
  | 'enroll'
  | 'firstSync'
  | 'esp'
  | 'reseal'
  | 'userSignIn'
  | 'accountSetup';

/**
 * Every phase in order; a device walks `attest` or `authenticate`, as its mode says. A
 * pre-provisioned device walks the technician's phases up to `reseal`, then the user's.
 */
export const PHASES: readonly PhaseName[] = ['lookup', 'attest', 'authenticate', 'join', 'deviceToken', 'enroll', 'firstSync', 'esp', 'reseal', 'userSignIn', 'accountSetup'];

/**
 * How OOBE runs, chosen from the profile discovery returned: a shared profile sets the TPM
 * attestation and device-auth bits, and the device provisions with no user (self-deploying).
 * Pre-provisioning is a technician's choice at the first OOBE page (the Windows key five
 * times), which the device's profile must allow.
 */
export type ProvisioningMode = 'userDriven' | 'selfDeploying' | 'preProvisioned';

/** The device's refusal when a technician starts pre-provisioning that the profile does not allow. */
export const PREPROVISIONING_NOT_ALLOWED = 'preprovisioningNotAllowed';

export function modeOfOobeConfig(bits: number | undefined): Exclude<ProvisioningMode, 'preProvisioned'> {
  const required = OOBE_TPM_ATTESTATION | OOBE_AAD_DEVICE_AUTH;
  return bits !== undefined && (bits & required) === required ? 'selfDeploying' : 'userDriven';
}

/** The service that owns each phase, hence the one blamed when the phase fails; the reseal is the device's own. */
export const PHASE_SERVICE: Record<PhaseName, ChainService | 'device'> = {
  lookup: 'discovery',
  attest: 'identity',
  authenticate: 'identity',
  join: 'identity',
  deviceToken: 'identity',
  enroll: 'management',
  firstSync: 'management',
  esp: 'management',
  reseal: 'device',
  userSignIn: 'identity',
  accountSetup: 'management',
};

export interface RunDeviceOptions {
  /** Discovery's base URL (https://host[:port]); the only URL the device is given. */
  discoveryUrl: string;
  /** CA that issued the services' TLS certificates. */
  caPem: string;
  inventory: DeviceInventory;
  /**
   * The user who signs in at OOBE (after the reseal, for a pre-provisioned device); a
   * self-deploying device needs none. With `totpSecret` the user also types the code of their
   * authenticator app, on identity's sign-in pages.
   */
  user?: { upn: string; password: string; totpSecret?: string };
  /**
   * A technician starts pre-provisioning at the first OOBE page: TPM attestation, device
   * setup and reseal without the user, then the user's sign-in and account setup.
   */
  preProvision?: boolean;
  /**
   * What happens to a pre-provisioned device's records while it sits resealed, before its user
   * unboxes it: an administrator's cleanup deleting its Entra object, a report read. It is given
   * what the device learned; the user's half starts when it resolves.
   */
  whileResealed?: (learned: LearnedFacts) => Promise<void>;
  /** Device-side time spent on pages, typing, installs and reboots (default: none, `fast`). */
  pace?: Pace;
  /** Parent trace context; the run's requests all share its trace id. */
  traceparent?: string;
  signal?: AbortSignal;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** A CA-trusting fetch shared across a simulated fleet; the run then does not close it. */
  fetch?: Fetch;
  /** How this device's hardware or software misbehaves (fault injection); a healthy device has none. */
  behaviour?: DeviceBehaviour;
  /**
   * Simulated minutes between polls while the Enrollment Status Page waits (Windows polls every
   * three minutes then); the agent does not sleep them, it lets simulated time pass.
   */
  espPollMinutes?: number;
}

export interface PhaseTiming {
  name: PhaseName;
  ms: number;
  ok: boolean;
}

export interface DeviceRunError {
  phase: PhaseName;
  /** 'device' only for a defect in the agent itself, never for a service's answer. */
  service: ChainService | 'device';
  code: string;
  message: string;
  /** HTTP status of the failing answer, when there was one. */
  status?: number;
  /** The identity platform's own code beneath the protocol's `code` (an AADSTS code, a join's subcode), when it gave one. */
  platformCode?: string;
}

/** The code a run error is counted under: the identity platform's own code when it gave one, as `baton diagnose` names it. */
export function reportedCode(error: Pick<DeviceRunError, 'code' | 'platformCode'>): string {
  return error.platformCode ?? error.code;
}

/** What the device learned from answers: the handoffs, made inspectable. */
export interface LearnedFacts {
  ztdId?: string;
  tenantId?: string;
  identityAuthority?: string;
  tokenEndpoint?: string;
  joinEndpoint?: string;
  deviceId?: string;
  managementDiscoveryUrl?: string;
  policyServiceUrl?: string;
  enrollmentServiceUrl?: string;
  managementUrl?: string;
  mdmDeviceId?: string;
  deviceName?: string;
}

export interface DeviceRunResult {
  ok: boolean;
  /** The last phase the device reached: the failing one, or firstSync on success. */
  phase: PhaseName;
  /** Known once the lookup answered. */
  mode?: ProvisioningMode;
  phases: PhaseTiming[];
  error?: DeviceRunError;
  learned: LearnedFacts;
  /** True once the first OMA-DM session completed. */
  managed: boolean;
  serialNumber: string;
  traceparent: string;
  session?: OmaDmFacts;
  /** The BitLocker key backup after the first session (the key id, never the password). */
  keyEscrow?: KeyEscrowResult;
  /**
   * The enrolled device, for later sessions. Not enumerable: it holds the MDM key, and
   * results are printed and serialised.
   */
  managedDevice?: ManagedDevice;
}

/** What a device keeps from enrollment to open later OMA-DM sessions. */
export interface EnrollmentFacts {
  managementUrl: string;
  mdmDeviceId: string;
  mdmCertificatePem: string;
  mdmKeyPem: string;
  caPem: string;
  tree: CspTree;
  timeoutMs?: number;
  /** Sessions already run on this enrollment (the first sync counts). */
  sessions?: number;
  /** Where the MDM certificate is renewed (MS-WSTEP); without it the device cannot renew. */
  enrollmentServiceUrl?: string;
  /** The OS build, sent as ApplicationVersion. */
  osBuild?: string;
  /**
   * TLS sessions of the MDM certificate, kept between polls as WinHTTP does, so a poll
   * resumes instead of repeating the full handshake. Tied to this enrollment's certificate.
   */
  tlsSessions?: TlsSessionCache;
  /** The user's device-bound sign-in, kept after enrollment as Windows keeps its PRT. */
  userSignIn?: UserSignIn;
  /**
   * A user has logged on to Windows: from then on each session's package 1 carries their Entra
   * token (Alert 1224), which is how the MDM server learns who uses a device it enrolled alone.
   */
  userLoggedOn?: boolean;
  /** Where and how the device escrows its BitLocker recovery passwords to identity (learnt at join). */
  keyEscrow?: KeyEscrowInput;
}

/**
 * What the device keeps of its user's sign-in once joined: the token endpoint, the device key
 * and join certificate that prove the device, and the user's refresh token, which identity
 * rotates at every use (the newest one replaces it here).
 */
export interface UserSignIn {
  tokenEndpoint: string;
  deviceKey: CryptoKey;
  certificateBase64: string;
  refreshToken: string;
}

export interface UserTokenResult {
  ok: boolean;
  accessToken?: string;
  /** Identity's OAuth error (`interaction_required` when conditional access refuses); the message carries the AADSTS text. */
  error?: Omit<DeviceRunError, 'phase'>;
}

export interface CheckInOptions {
  traceparent?: string;
  signal?: AbortSignal;
}

/** A BitLocker key backup after a session: which key, and identity's refusal when it refused. */
export interface KeyEscrowResult {
  ok: boolean;
  keyId: string;
  error?: Omit<DeviceRunError, 'phase'>;
}

export interface CheckInResult {
  ok: boolean;
  session?: OmaDmFacts;
  /** Present when the session left a recovery password identity does not hold yet. */
  keyEscrow?: KeyEscrowResult;
  error?: Omit<DeviceRunError, 'phase'>;
  state: DeviceState;
}

/**
 * An enrolled device after its first session: `checkIn()` is its next scheduled poll, the
 * only way anything queued for it (actions included) reaches it.
 */
export class ManagedDevice {
  private sessions: number;
  private tlsSessions: TlsSessionCache;
  /** The logged-on user's token for the MDM resource, reused until shortly before it expires. */
  private sessionUserToken: { token: string; expiresAt: number } | undefined;
  /** Key protector ids identity has confirmed holding. */
  private readonly escrowedKeyIds = new Set<string>();

  constructor(private readonly facts: EnrollmentFacts) {
    this.sessions = facts.sessions ?? 1;
    this.tlsSessions = facts.tlsSessions ?? new TlsSessionCache();
  }

  get mdmDeviceId(): string {
    return this.facts.mdmDeviceId;
  }

  /** The current MDM client certificate (PEM). */
  get certificatePem(): string {
    return this.facts.mdmCertificatePem;
  }

  /**
   * Renews the MDM certificate (as Windows' ROBO renewal does before expiry). On success the
   * device uses the new certificate and key from its next poll; TLS sessions of the old
   * certificate are dropped, since resuming one would present the old certificate.
   */
  async renewCertificate(options: CheckInOptions = {}): Promise<{ ok: boolean; error?: Omit<DeviceRunError, 'phase'> }> {
    const enrollmentServiceUrl = this.facts.enrollmentServiceUrl;
    if (!enrollmentServiceUrl) {
      return { ok: false, error: { service: 'device', code: 'no_enrollment_service', message: 'The device does not know where to renew its certificate.' } };
    }
    const fetch = createHttpsFetch({
      caPem: this.facts.caPem,
      clientCertPem: this.facts.mdmCertificatePem,
      clientKeyPem: this.facts.mdmKeyPem,
      timeoutMs: this.facts.timeoutMs,
      connections: 1,
    });
    const http: DeviceHttp = { fetch, traceparent: childTraceparent(options.traceparent), signal: options.signal, xmlError: soapFaultError };
    try {
      const renewed = await renew(http, {
        enrollmentServiceUrl,
        mdmDeviceId: this.facts.mdmDeviceId,
        mdmCertificatePem: this.facts.mdmCertificatePem,
        mdmKeyPem: this.facts.mdmKeyPem,
        osBuild: this.facts.osBuild ?? '',
      });
      this.facts.mdmCertificatePem = renewed.mdmCertificatePem;
      this.facts.mdmKeyPem = renewed.mdmKeyPem;
      this.tlsSessions = new TlsSessionCache();
      return { ok: true };
    } catch (err) {
      const { phase: _phase, ...error } = describeFailure(err, 'enroll');
      return { ok: false, error };
    } finally {
      await fetch.close().catch(() => undefined);
    }
  }

  get tree(): CspTree {
    return this.facts.tree;
  }

  /**
   * A token for `resource` on behalf of the device's user, proved by the device (the
   * device-signed refresh-token request an app gets through Windows' account manager), so
   * conditional access sees this device and its compliance. A refused request keeps the
   * refresh token: identity rotates it only when it issues.
   */
  async userToken(resource: string, options: CheckInOptions = {}): Promise<UserTokenResult> {
    const signIn = this.facts.userSignIn;
    if (!signIn) return { ok: false, error: { service: 'device', code: 'no_user_sign_in', message: 'The device keeps no user sign-in to ask with.' } };
    const fetch = createHttpsFetch({ caPem: this.facts.caPem, timeoutMs: this.facts.timeoutMs, connections: 1 });
    const http: DeviceHttp = { fetch, traceparent: childTraceparent(options.traceparent), signal: options.signal };
    try {
      const issued = await deviceToken(http, { ...signIn, resource });
      if (issued.refreshToken) signIn.refreshToken = issued.refreshToken;
      return { ok: true, accessToken: issued.accessToken };
    } catch (err) {
      const { phase: _phase, ...error } = describeFailure(err, 'deviceToken');
      return { ok: false, error };
    } finally {
      await fetch.close().catch(() => undefined);
    }
  }

  get state(): DeviceState {
    return this.facts.tree.state;
  }

  /**
   * A user has logged on to Windows with the device's sign-in: later sessions carry their token,
   * starting with `token` (an MDM-resource token the sign-in already returned) when given.
   */
  logOn(token?: string): void {
    this.facts.userLoggedOn = true;
    if (token) this.sessionUserToken = { token, expiresAt: jwtExpiry(token) };
  }

  /**
   * The token a session carries for its logged-on user, if there is one: asked for with the
   * device-bound sign-in (as the OMA-DM client gets it through the PRT) and kept until five
   * minutes before it expires. When identity refuses, the session goes without, as Windows'
   * does when no token is available.
   */
  private async loggedOnUserToken(options: CheckInOptions): Promise<string | undefined> {
    if (!this.facts.userLoggedOn || !this.facts.userSignIn) return undefined;
    if (this.sessionUserToken && this.sessionUserToken.expiresAt - 5 * 60_000 > Date.now()) return this.sessionUserToken.token;
    const issued = await this.userToken(MDM_RESOURCE, options);
    if (!issued.ok || !issued.accessToken) return undefined;
    this.sessionUserToken = { token: issued.accessToken, expiresAt: jwtExpiry(issued.accessToken) };
    return issued.accessToken;
  }

  /**
   * Backs the current BitLocker recovery password up to identity unless identity holds it
   * already: after the first session, and after a session whose RotateRecoveryPasswords made a
   * new one (as Windows backs a rotated password up before it drops the old one). A refusal
   * does not fail the session; the next one tries again. `span` 'same' sends the request in the
   * caller's span, as the provisioning run's own requests are (the run's trace tree).
   */
  async escrowRecoveryKey(options: CheckInOptions = {}, span: 'child' | 'same' = 'child'): Promise<KeyEscrowResult | undefined> {
    const escrow = this.facts.keyEscrow;
    const recovery = this.facts.tree.currentRecoveryPassword();
    if (!escrow || !recovery || this.escrowedKeyIds.has(recovery.keyId)) return undefined;
    const fetch = createHttpsFetch({ caPem: this.facts.caPem, timeoutMs: this.facts.timeoutMs, connections: 1 });
    const traceparent = span === 'same' && options.traceparent ? options.traceparent : childTraceparent(options.traceparent);
    const http: DeviceHttp = { fetch, traceparent, signal: options.signal };
    try {
      await escrowRecoveryPassword(http, escrow, recovery);
      this.escrowedKeyIds.add(recovery.keyId);
      return { ok: true, keyId: recovery.keyId };
    } catch (err) {
      const { phase: _phase, ...error } = describeFailure(err, 'firstSync');
      return { ok: false, keyId: recovery.keyId, error };
    } finally {
      await fetch.close().catch(() => undefined);
    }
  }

  async checkIn(options: CheckInOptions = {}): Promise<CheckInResult> {
    const state = this.state;
    if (!state.enrolled) {
      return { ok: false, state, error: { service: 'device', code: 'not_enrolled', message: 'The device has no MDM enrollment left to poll with.' } };
    }
    const fetch = createHttpsFetch({
      caPem: this.facts.caPem,
      clientCertPem: this.facts.mdmCertificatePem,
      clientKeyPem: this.facts.mdmKeyPem,
      timeoutMs: this.facts.timeoutMs,
      connections: 1,
      tlsSessions: this.tlsSessions,
    });
    const http: DeviceHttp = { fetch, traceparent: childTraceparent(options.traceparent), signal: options.signal, xmlError: soapFaultError };
    try {
      const userToken = await this.loggedOnUserToken(options);
      const session = await sync(http, {
        managementUrl: this.facts.managementUrl,
        deviceId: this.facts.mdmDeviceId,
        tree: this.facts.tree,
        sessionNumber: ++this.sessions,
        ...(userToken ? { userToken } : {}),
      });
      const keyEscrow = await this.escrowRecoveryKey(options);
      return { ok: true, session, ...(keyEscrow ? { keyEscrow } : {}), state: this.state };
    } catch (err) {
      const { phase: _phase, ...error } = describeFailure(err, 'firstSync');
      return { ok: false, error, state: this.state };
    } finally {
      await fetch.close().catch(() => undefined);
    }
  }
}

class PhaseFailure extends Error {
  constructor(
    readonly phase: PhaseName,
    override readonly cause: unknown,
  ) {
    super(`phase ${phase} failed`);
  }
}

export async function runDevice(options: RunDeviceOptions): Promise<DeviceRunResult> {
  const { inventory, user, behaviour } = options;
  const traceparent = childTraceparent(options.traceparent);
  const fetch = options.fetch ?? createHttpsFetch({ caPem: options.caPem, timeoutMs: options.timeoutMs, connections: 4 });
  const http: DeviceHttp = { fetch, traceparent, signal: options.signal, xmlError: soapFaultError };
  const learned: LearnedFacts = {};
  const result: DeviceRunResult = {
    ok: false,
    phase: 'lookup',
    phases: [],
    learned,
    managed: false,
    serialNumber: inventory.serialNumber,
    traceparent,
  };

  const phase = async <T>(name: PhaseName, fn: () => Promise<T>): Promise<T> => {
    result.phase = name;
    const start = performance.now();
    try {
      const owner = PHASE_SERVICE[name];
      if (options.signal?.aborted) throw owner === 'device' ? new Error('The run was aborted.') : new ChainError(owner, 'aborted', 'The run was aborted.');
      const value = await fn();
      result.phases.push({ name, ms: performance.now() - start, ok: true });
      return value;
    } catch (err) {
      result.phases.push({ name, ms: performance.now() - start, ok: false });
      throw new PhaseFailure(name, err);
    }
  };

  const pace = options.pace ?? FAST_PACE;
  const wait = (step: Parameters<Pace['wait']>[0], count?: number) => pace.wait(step, count, options.signal);
  try {
    // Region, keyboard and network come before Windows asks discovery for its profile.
    await wait('oobePages');
    let mode = 'userDriven' as ProvisioningMode;
    const found = await phase('lookup', async () => {
      const answer = await lookup(http, { discoveryUrl: options.discoveryUrl, hardwareHash: hardwareHash(inventory), serialNumber: inventory.serialNumber });
      mode = options.preProvision ? preProvisioningMode(answer) : modeOfOobeConfig(answer.answer.deploymentProfile?.configuration?.CloudAssignedOobeConfig);
      return answer;
    });
    learned.ztdId = found.ztdId;
    learned.tenantId = found.tenantId;
    learned.identityAuthority = found.authority;
    const deviceName = deviceNameFromTemplate(found.deviceNameTemplate, inventory);
    learned.deviceName = deviceName;

    result.mode = mode;
    // Self-deploying and the technician's half of pre-provisioning: the TPM proves the device
    // instead of a user ("Securing your hardware").
    const tpm = mode === 'userDriven' ? undefined : new SimulatedTpm(inventory.tpm.endorsementSeed);
    const attested = tpm
      ? await phase('attest', () =>
          attest(http, { deviceRegistrationDiscoveryUrl: found.deviceRegistrationDiscoveryUrl, tpm, ...(behaviour?.tpmAnswer ? { answer: behaviour.tpmAnswer } : {}) }),
        )
      : undefined;
    if (!attested) await typeCredentials(wait, user);
    const signedIn = attested
      ? undefined
      : await phase('authenticate', () => {
          if (!user) throw new Error('The profile is user-driven and no user was given to sign in.');
          return signIn(http, found.authority, user);
        });
    const tokenEndpoint = signedIn?.tokenEndpoint ?? attested!.tokenEndpoint;
    learned.tokenEndpoint = tokenEndpoint;

    const joined = await phase('join', async () =>
      join(http, {
        deviceRegistrationDiscoveryUrl: found.deviceRegistrationDiscoveryUrl,
        ...(signedIn ? { accessToken: signedIn.accessToken } : {}),
        ...(attested && tpm ? { attestation: { tpm, aikCertificate: attested.aikCertificate, drs: attested.drs } } : {}),
        tenantDomain: found.tenantDomain,
        osVersion: inventory.osBuild,
        deviceDisplayName: deviceName,
        ztdId: found.ztdId,
        ...(behaviour?.joinKeys ? { deviceKeys: await behaviour.joinKeys() } : {}),
      }),
    );
    learned.joinEndpoint = joined.joinEndpoint;
    learned.deviceId = joined.deviceId;
    learned.managementDiscoveryUrl = joined.mdmEnrollment.discoveryUrl;

    const deviceKey = behaviour?.deviceTokenKey ? await behaviour.deviceTokenKey(joined.deviceKeys) : joined.deviceKeys.privateKey;
    const bound = await phase('deviceToken', async () =>
      deviceToken(http, {
        tokenEndpoint,
        ...(signedIn ? { refreshToken: signedIn.refreshToken } : {}),
        deviceKey,
        certificateBase64: joined.certificateBase64,
        resource: joined.mdmEnrollment.resource || MDM_RESOURCE,
      }),
    );
    // The request rotated the user's refresh token and bound the new one to this device; a
    // self-deploying device has no user to keep a sign-in for (a pre-provisioned one, not yet).
    const userSignIn: UserSignIn | undefined = signedIn
      ? {
          tokenEndpoint: signedIn.tokenEndpoint,
          deviceKey,
          certificateBase64: joined.certificateBase64,
          refreshToken: bound.refreshToken ?? signedIn.refreshToken,
        }
      : undefined;

    const mdmId = mdmDeviceId(inventory);
    learned.mdmDeviceId = mdmId;
    const enrolled = await phase('enroll', async () =>
      enroll(http, {
        discoveryUrl: joined.mdmEnrollment.discoveryUrl,
        deviceToken: bound.accessToken,
        ...(signedIn && user ? { upn: user.upn } : {}),
        inventory,
        mdmDeviceId: mdmId,
        hwDevId: hardwareDeviceId(inventory),
        deviceName,
        ...(behaviour?.mdmKeys ? { mdmKeys: await behaviour.mdmKeys() } : {}),
      }),
    );
    learned.policyServiceUrl = enrolled.policyServiceUrl;
    learned.enrollmentServiceUrl = enrolled.enrollmentServiceUrl;
    learned.managementUrl = enrolled.managementUrl;

    const tree = new CspTree(inventory, {
      deviceId: mdmId,
      deviceName,
      hwDevId: hardwareDeviceId(inventory),
      providerId: enrolled.providerId,
      ...(behaviour?.failingCspNodes ? { failingNodes: behaviour.failingCspNodes } : {}),
      ...(behaviour?.appInstalls ? { appInstalls: behaviour.appInstalls } : {}),
    });
    if (behaviour?.security) tree.setSecurity(behaviour.security);
    const tlsSessions = new TlsSessionCache();
    await behaviour?.beforeFirstSession?.(enrolled.mdmCertificatePem);
    result.session = await phase('firstSync', async () => {
      // OMA-DM sessions authenticate the device by its MDM certificate at the TLS layer.
      const mtls = createHttpsFetch({
        caPem: options.caPem,
        clientCertPem: enrolled.mdmCertificatePem,
        clientKeyPem: enrolled.mdmKeyPem,
        timeoutMs: options.timeoutMs,
        connections: 1,
        tlsSessions,
      });
      try {
        return await sync({ ...http, fetch: mtls }, { managementUrl: enrolled.managementUrl, deviceId: mdmId, tree });
      } finally {
        await mtls.close().catch(() => undefined);
      }
    });
    const enrollmentFacts: EnrollmentFacts = {
      managementUrl: enrolled.managementUrl,
      mdmDeviceId: mdmId,
      mdmCertificatePem: enrolled.mdmCertificatePem,
      mdmKeyPem: enrolled.mdmKeyPem,
      caPem: options.caPem,
      tree,
      tlsSessions,
      enrollmentServiceUrl: enrolled.enrollmentServiceUrl,
      osBuild: inventory.osBuild,
      ...(userSignIn ? { userSignIn } : {}),
      ...(joined.keyEscrowEndpoint ? { keyEscrow: { endpoint: joined.keyEscrowEndpoint, deviceKey, certificateBase64: joined.certificateBase64 } } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    };
    const managedDevice = new ManagedDevice(enrollmentFacts);
    // BitLocker is on after the first session: its recovery password goes to identity now.
    result.keyEscrow = await managedDevice.escrowRecoveryKey({ traceparent, ...(options.signal ? { signal: options.signal } : {}) }, 'same');
    Object.defineProperty(result, 'managedDevice', { value: managedDevice, enumerable: false });
    result.managed = true;
    const esp = espSettings(tree, enrolled.providerId);
    const hold = { traceparent, signal: options.signal, pollMinutes: options.espPollMinutes ?? 3, pace };
    // The technician's page shows device setup only; account setup waits for the user.
    if (esp) await phase('esp', () => holdOnStatusPage(managedDevice, enrolled.providerId, esp, { ...hold, phases: mode === 'preProvisioned' ? ['device'] : ['device', 'user'] }));
    if (mode === 'preProvisioned') {
      // Reseal: the device shuts down with its join and enrollment kept, and is shipped.
      await phase('reseal', () => wait('resealReboot'));
      await options.whileResealed?.(learned);
      // The user's first boot, in the same provisioning's trace: one deployment in two halves.
      await typeCredentials(wait, user);
      let logonToken: string | undefined;
      enrollmentFacts.userSignIn = await phase('userSignIn', async () => {
        if (!user) throw new ChainError('identity', 'no_user', 'The device was pre-provisioned and resealed; a user must sign in to finish it.');
        const userTokens = await signIn(http, found.authority, user);
        // The sign-in becomes the device's PRT: the user's refresh token bound to the joined
        // device. Its access token, for the MDM resource, is the one the sessions carry.
        const prt = await deviceToken(http, { tokenEndpoint: userTokens.tokenEndpoint, refreshToken: userTokens.refreshToken, deviceKey, certificateBase64: joined.certificateBase64 });
        logonToken = prt.accessToken;
        return { tokenEndpoint: userTokens.tokenEndpoint, deviceKey, certificateBase64: joined.certificateBase64, refreshToken: prt.refreshToken ?? userTokens.refreshToken };
      });
      await wait('userLogon');
      // The user is at the desktop: the logon sync and every later session carry their token.
      managedDevice.logOn(logonToken);
      await phase('accountSetup', async () => {
        // Windows syncs at each user logon; the page then shows account setup.
        const polled = await managedDevice.checkIn({ traceparent, ...(options.signal ? { signal: options.signal } : {}) });
        if (!polled.ok && polled.error) throw chainErrorOf(polled.error);
        // The user's apps are known only now: management names them in that sync.
        const accountEsp = esp ? espSettings(tree, enrolled.providerId) : undefined;
        if (accountEsp && !accountEsp.skipUser) await holdOnStatusPage(managedDevice, enrolled.providerId, accountEsp, { ...hold, phases: ['user'] });
      });
    }
    result.ok = true;
  } catch (err) {
    result.error = describeFailure(err, result.phase);
  } finally {
    if (!options.fetch) await (fetch as Fetch & { close?: () => Promise<void> }).close?.().catch(() => undefined);
  }
  return result;
}

/** Polls until the ESP completes, fails on a blocking app, or runs out of (simulated) time. */
async function holdOnStatusPage(
  device: ManagedDevice,
  providerId: string,
  esp: NonNullable<ReturnType<typeof espSettings>>,
  options: { traceparent: string; signal?: AbortSignal | undefined; pollMinutes: number; pace: Pace; phases: EspPhase[] },
): Promise<void> {
  const tree = device.tree;
  const started = tree.clock;
  const tracked = options.phases.reduce((n, p) => n + (p === 'device' ? esp.deviceApps.length : esp.userApps.length), 0);
  // The installs the page tracks take their time on the device, whatever the server answers.
  await options.pace.wait('appInstall', tracked, options.signal);
  // The page's own bound, and one for the agent: a server that never answers cannot hold it forever.
  const maxPolls = Math.ceil(esp.timeoutMs / (options.pollMinutes * 60_000)) + 2;
  const finish = async (success: boolean) => {
    recordOutcome(tree, providerId, success);
    // The device keeps its sync schedule after the page ends: the next session tells management.
    await device.checkIn({ traceparent: options.traceparent, ...(options.signal ? { signal: options.signal } : {}) });
  };
  for (let poll = 0; poll <= maxPolls; poll++) {
    const verdict = espVerdict(tree, providerId, esp, options.phases);
    if (verdict.state === 'done') {
      recordOutcome(tree, providerId, true);
      return;
    }
    if (verdict.state === 'failed') {
      await finish(false);
      throw new ChainError('management', verdict.code, `The app ${verdict.app} failed to install during ${verdict.phase === 'device' ? 'device' : 'account'} setup (${verdict.code}).`);
    }
    if (tree.clock - started >= esp.timeoutMs) {
      await finish(false);
      throw new ChainError('management', ESP_TIMEOUT_CODE, `The Enrollment Status Page timed out after ${esp.timeoutMs / 60_000} minutes${verdict.waitingFor ? `, waiting for ${verdict.waitingFor}` : ''}.`);
    }
    tree.advance(options.pollMinutes * 60_000);
    const polled = await device.checkIn({ traceparent: options.traceparent, ...(options.signal ? { signal: options.signal } : {}) });
    if (!polled.ok && polled.error) throw chainErrorOf(polled.error);
  }
  throw new ChainError('management', ESP_TIMEOUT_CODE, 'The Enrollment Status Page did not finish.');
}

/** A JWT's `exp` in milliseconds; a token without one is not reused. */
function jwtExpiry(jwt: string): number {
  try {
    const { exp } = decodeJwt(jwt);
    return typeof exp === 'number' ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}

function chainErrorOf(error: Omit<DeviceRunError, 'phase'>): ChainError {
  return new ChainError(error.service === 'device' ? 'management' : error.service, error.code, error.message, error.status);
}

/**
 * The technician's choice, checked against what discovery says of the profile: only a profile
 * with preprovisioningAllowed may be pre-provisioned (never a self-deploying one, which has no
 * user to hand the device to).
 */
function preProvisioningMode(found: LookupFacts): ProvisioningMode {
  const profile = found.answer.deploymentProfile;
  const selfDeploying = modeOfOobeConfig(profile?.configuration?.CloudAssignedOobeConfig) === 'selfDeploying';
  if (profile?.preprovisioningAllowed === true && !selfDeploying) return 'preProvisioned';
  throw new ChainError(
    'discovery',
    PREPROVISIONING_NOT_ALLOWED,
    `Discovery assigned this device the profile "${profile?.displayName ?? found.profileId}", which does not allow pre-provisioning` +
      (selfDeploying ? ' (it is self-deploying).' : ' (preprovisioningAllowed is false).'),
  );
}

/** The password, and the code of a user with a second factor, sign in on identity's pages when needed. */
function signIn(http: DeviceHttp, authority: string, user: NonNullable<RunDeviceOptions['user']>): Promise<AuthenticateFacts> {
  if (!user.totpSecret) return authenticate(http, { authority, upn: user.upn, password: user.password });
  return (async () => {
    const config = json<{ token_endpoint?: string }>('identity', openIdConfigurationUrl(authority), await getJson(http, 'identity', openIdConfigurationUrl(authority)));
    const tokenEndpoint = requireUrl('identity', 'token_endpoint', config?.token_endpoint);
    return signInOnPages(http, { authority, tokenEndpoint, upn: user.upn, password: user.password, totpSecret: user.totpSecret! });
  })();
}

/** The person at the keyboard types a UPN and password, then a code when the account has a second factor. */
async function typeCredentials(wait: (step: 'credentialEntry' | 'secondFactorEntry') => Promise<void>, user: RunDeviceOptions['user']): Promise<void> {
  if (!user) return;
  await wait('credentialEntry');
  if (user.totpSecret) await wait('secondFactorEntry');
}

function describeFailure(err: unknown, phase: PhaseName): DeviceRunError {
  const failedPhase = err instanceof PhaseFailure ? err.phase : phase;
  const cause = err instanceof PhaseFailure ? err.cause : err;
  if (cause instanceof ChainError) {
    const out: DeviceRunError = { phase: failedPhase, service: cause.service, code: cause.code, message: cause.message };
    if (cause.status !== undefined) out.status = cause.status;
    if (cause.platformCode !== undefined) out.platformCode = cause.platformCode;
    return out;
  }
  const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return { phase: failedPhase, service: 'device', code: 'device_error', message };
}
