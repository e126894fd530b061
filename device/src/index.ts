export { runDevice, ManagedDevice, PHASES, PHASE_SERVICE, PREPROVISIONING_NOT_ALLOWED, modeOfOobeConfig, reportedCode } from './agent.js';
export { FAST_PACE, REAL_PACE, realPace, paceByName, abortableSleep, type Pace, type PaceName, type PaceStep, type RealPaceOptions } from './pace.js';
export { totpCode, base32Decode } from './totp.js';
export { signInOnPages } from './steps/sign-in-pages.js';
export { SimulatedTpm, endorsementKey } from './tpm.js';
export { attest, type AttestFacts } from './steps/attest.js';
export type {
  CheckInOptions,
  CheckInResult,
  EnrollmentFacts,
  DeviceRunError,
  DeviceRunResult,
  LearnedFacts,
  PhaseName,
  PhaseTiming,
  ProvisioningMode,
  RunDeviceOptions,
  UserSignIn,
  UserTokenResult,
} from './agent.js';
export { summarizeRuns, percentile, type FleetSummary, type PhaseSummary } from './summary.js';
export { randomInventory, mdmDeviceId, hardwareDeviceId, deviceNameFromTemplate, SeededRandom, type DeviceInventory, type TpmInfo } from './inventory.js';
export { hardwareHash, toHashInventory } from './hardware-hash.js';
export { CspTree, HEALTHY_SECURITY, normalizeUri, type CspValue, type CspFormat, type DeviceSecurity, type DeviceState, type WipeMethod } from './csp-tree.js';
export { ChainError, type ChainService } from './errors.js';
export { KeyPool, generateDeviceKeyPair, createJoinCsr, createMdmCsr, createCsr, publicKeySpkiBase64, privateKeyPem } from './keys.js';
export { lookup, lookupUrl, type LookupFacts } from './steps/lookup.js';
export { authenticate, openIdConfigurationUrl, type AuthenticateFacts } from './steps/authenticate.js';
export { join, type JoinFacts } from './steps/join.js';
export { deviceToken, buildDeviceTokenRequest, type DeviceTokenFacts } from './steps/device-token.js';
export { enroll, enrollmentContext, type EnrollFacts } from './steps/enroll.js';
export { firstSync, sync, buildPackage1, type OmaDmFacts, type ServerCommandOutcome } from './steps/omadm.js';
export {
  FAULTS,
  FAULT_NAMES,
  FAULT_USERS,
  FAILING_CSP_NODE,
  ESP_FAULT_ARRANGEMENT,
  availableFaults,
  isFaultName,
  type EspArrangement,
  type ResealedArrangement,
  type FaultName,
  type FaultSetup,
  type FaultSpec,
  type FaultUser,
} from './faults/catalogue.js';
export { refusingFetch } from './faults/network.js';
export type { DeviceBehaviour } from './faults/behaviour.js';
