/**
 * What every service's event feed promises: one event per step of a device's provisioning
 * that the service itself saw, with the device ids it knows and the trace id of the
 * request behind it. `baton diagnose` joins the three feeds on these fields.
 */
import type { ServiceName } from './apps.js';

/** Where each service serves its feed, relative to its public base URL. */
export const EVENT_FEED_PATHS: Record<ServiceName, string> = {
  discovery: '/ztd/v1/events',
  identity: '/identity/v1/events',
  management: '/mdm/v1/events',
};

/**
 * The provisioning phases, in the order a device walks them. `deviceSetup` is the Enrollment
 * Status Page's device setup phase: the OMA-DM sessions that apply policies. `attestation`
 * ("Securing your hardware") replaces `authentication` for a self-deploying device.
 */
export const CHAIN_PHASES = ['discovery', 'attestation', 'authentication', 'join', 'deviceToken', 'mdmDiscovery', 'enrollment', 'deviceSetup'] as const;
export type ChainPhase = (typeof CHAIN_PHASES)[number];

/** The service that owns each phase. */
export const PHASE_OWNER: Record<ChainPhase, ServiceName> = {
  discovery: 'discovery',
  attestation: 'identity',
  authentication: 'identity',
  join: 'identity',
  deviceToken: 'identity',
  mdmDiscovery: 'management',
  enrollment: 'management',
  deviceSetup: 'management',
};

export type ChainEventOutcome = 'success' | 'failure';

/** One event on the wire (`value` items of a feed page). Ids a service does not know are null. */
export interface ChainEvent {
  id: string;
  occurredDateTime: string;
  service: ServiceName;
  type: string;
  outcome: ChainEventOutcome;
  phase: ChainPhase | string;
  ztdId: string | null;
  azureADDeviceId: string | null;
  serialNumber: string | null;
  traceId: string;
  errorCode: string | null;
  detail: Record<string, unknown>;
  /** Management's managed device id (its enrollment id); identity and discovery omit it. */
  managedDeviceId?: string | null;
  userPrincipalName?: string | null;
}

export interface ChainEventPage {
  value: ChainEvent[];
  '@odata.nextLink'?: string;
}
