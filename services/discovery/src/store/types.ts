/**
 * The narrow store interface discovery's domain depends on. Records use the domain's
 * names; how they map to columns is the implementation's business. Collection queries
 * arrive as parsed OData (a filter tree, orderby items), named by Graph property.
 */
import type { FilterNode, OrderByItem } from '@baton/protocols';

export type EnrollmentState = 'unknown' | 'enrolled' | 'pendingReset' | 'failed' | 'notContacted' | 'blocked';

export interface AutopilotDevice {
  /** The ZTDId. */
  id: string;
  tenantId: string;
  serialNumber: string;
  /** Sealed with the service's secret box; never stored in clear. */
  hardwareHashSealed: string;
  /** Keyed digest of the hardware identity; unique across every tenant. */
  hardwareIdentityDigest: string;
  /** Keyed digest of the TPM endorsement key from the hash (TpmEkPub), when it has one. */
  endorsementKeyDigest: string | null;
  productKey: string | null;
  groupTag: string | null;
  purchaseOrderIdentifier: string | null;
  manufacturer: string | null;
  model: string | null;
  userPrincipalName: string | null;
  addressableUserName: string | null;
  displayName: string | null;
  azureActiveDirectoryDeviceId: string;
  enrollmentState: EnrollmentState;
  lastContactedDateTime: string | null;
  /** Whether identity has confirmed the placeholder device object. */
  placeholderDelivered: boolean;
  /** The enrollmentProfileName identity last accepted on the placeholder (null: none, or never sent). */
  placeholderProfileName: string | null;
  /** A digest of the placeholder identity last accepted (its body and device id); null before any, or before digests were kept. */
  placeholderDigest: string | null;
  createdDateTime: string;
}

export type ImportStatus = 'unknown' | 'pending' | 'partial' | 'complete' | 'error';

export interface ImportState {
  deviceImportStatus: ImportStatus;
  deviceRegistrationId: string | null;
  deviceErrorCode: number;
  deviceErrorName: string | null;
}

export interface ImportedDeviceIdentity {
  id: string;
  tenantId: string;
  serialNumber: string | null;
  productKey: string | null;
  groupTag: string | null;
  assignedUserPrincipalName: string | null;
  hardwareHashSealed: string | null;
  state: ImportState;
  importId: string | null;
  createdDateTime: string;
}

export type ProfileOdataType =
  | '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile'
  | '#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile';

export interface DeploymentProfile {
  id: string;
  tenantId: string;
  odataType: ProfileOdataType;
  displayName: string;
  description: string | null;
  /** Everything else, under the current (non-deprecated) Graph names. */
  settings: Record<string, unknown>;
  createdDateTime: string;
  lastModifiedDateTime: string;
}

export interface ProfileAssignment {
  id: string;
  profileId: string;
  tenantId: string;
  target: Record<string, unknown> & { '@odata.type': string };
  createdDateTime: string;
}

export interface GroupMember {
  /** The member's object id in identity. */
  objectId: string;
  /** The device's deviceId (discovery's azureActiveDirectoryDeviceId). */
  deviceId: string;
}

/** Discovery's subscription to one group's members at identity, and whether its mirror is complete. */
export interface GroupWatch {
  tenantId: string;
  groupId: string;
  subscriptionId: string | null;
  expirationDateTime: string | null;
  /** True once a full listing was mirrored after the subscription existed. */
  synced: boolean;
  lastError: string | null;
}

/** Where the previous page ended: its last row's order keys, then the (created, id) tie-break. */
export interface PageCursor {
  keys: Array<string | number | null>;
  created: string;
  id: string;
}

export interface ListQuery {
  filter?: FilterNode;
  orderby?: OrderByItem[];
  /** Resume after this row; `skip` only applies to a first page. */
  after?: PageCursor;
  skip?: number;
  limit: number;
}

export interface ListPage<T> {
  items: T[];
  /** Present when more rows match. */
  next?: PageCursor;
}

export type DevicePatch = Partial<Pick<AutopilotDevice, 'userPrincipalName' | 'addressableUserName' | 'groupTag' | 'displayName'>>;

export type SyncStatus = 'unknown' | 'inProgress' | 'completed' | 'failed';

export interface AutopilotSettings {
  lastSyncDateTime: string | null;
  lastManualSyncTriggerDateTime: string | null;
  syncStatus: SyncStatus;
}

export interface OutboxWrite {
  topic: string;
  payload: unknown;
  traceParent?: string;
  /** The row's id, when the writer goes on to deliver the message itself (a tenant walk's pages). */
  id?: string;
  /** Not due before this time (ISO); by default at once. */
  notBefore?: string;
}

/** Where a walk over a tenant's devices stopped: the last device it read, in creation order. */
export interface DeviceCursor {
  created: string;
  id: string;
}

export type RegisterOutcome = { registered: true } | { registered: false; existing: { id: string; tenantId: string } };

export type EventType = 'registration' | 'assignment' | 'lookup';
export type EventOutcome = 'success' | 'failure';

/** One row of discovery's event feed. */
export interface DiscoveryEvent {
  id: string;
  /** Null for a lookup of a hash no tenant registered. */
  tenantId: string | null;
  occurredDateTime: string;
  type: EventType;
  outcome: EventOutcome;
  ztdId: string | null;
  azureADDeviceId: string | null;
  serialNumber: string | null;
  /** The W3C trace id (32 hex) of the request that caused it. */
  traceId: string;
  errorCode: string | null;
  detail: Record<string, unknown>;
}

/** Where the previous page of events ended; pages run newest first. */
export interface EventCursor {
  occurredDateTime: string;
  id: string;
}

export interface EventQuery {
  tenantId: string;
  /** Also events with no tenant: only Baton's own services may ask. */
  includeTenantless?: boolean;
  ztdId?: string;
  azureADDeviceId?: string;
  serialNumber?: string;
  traceId?: string;
  since?: string;
  after?: EventCursor;
  limit: number;
}

export interface RegistrationEntry {
  device: AutopilotDevice;
  imported: ImportedDeviceIdentity;
  message: OutboxWrite;
  /** Written with the device, in the same transaction, only when the device is registered. */
  event?: DiscoveryEvent;
}

export interface DiscoveryStore {
  /**
   * Registers a device, records its import and queues the outbox message, all in one
   * transaction; when another registration holds the hardware identity nothing is written.
   */
  registerDevice(device: AutopilotDevice, imported: ImportedDeviceIdentity, message: OutboxWrite, event?: DiscoveryEvent): Promise<RegisterOutcome>;
  /**
   * registerDevice for many devices in one transaction, answering per entry in order. A device
   * whose hardware identity is registered already, or appears earlier in the same call, is not
   * written. Undefined when a concurrent writer took one of the identities first: then nothing
   * was written and the caller retries the entries one by one.
   */
  registerDevices(entries: RegistrationEntry[]): Promise<RegisterOutcome[] | undefined>;
  findDeviceByDigest(digest: string): Promise<AutopilotDevice | undefined>;
  /** Registrations whose hash carries this endorsement key (at most `limit`), across tenants. */
  findDevicesByEndorsementKey(digest: string, limit: number): Promise<AutopilotDevice[]>;
  /**
   * Devices of any tenant whose serial, manufacturer and model equal these (trimmed, case
   * folded); at most `limit`, enough for the caller to tell one match from several.
   */
  findDevicesByTuple(tuple: { serialNumber: string; manufacturer: string; model: string }, limit: number): Promise<AutopilotDevice[]>;
  getDevice(tenantId: string, id: string): Promise<AutopilotDevice | undefined>;
  listDevices(tenantId: string, query: ListQuery): Promise<ListPage<AutopilotDevice>>;
  countDevices(tenantId: string, filter?: FilterNode): Promise<number>;
  deleteDevice(tenantId: string, id: string): Promise<boolean>;
  /**
   * Applies the patch, and queues `message(updated)` in the same transaction when given;
   * undefined when the tenant has no such device.
   */
  updateDevice(
    tenantId: string,
    id: string,
    patch: DevicePatch,
    message?: (updated: AutopilotDevice) => OutboxWrite | undefined,
  ): Promise<AutopilotDevice | undefined>;
  /** Deletes the tenant's devices with these serial numbers (ignoring case); answers what it deleted. */
  deleteDevicesBySerial(tenantId: string, serialNumbers: string[]): Promise<AutopilotDevice[]>;
  markDeviceContacted(id: string, at: string): Promise<void>;
  /** Identity accepted the placeholder: the device id its object carries, the profile name and the digest of what was sent. */
  markPlaceholderDelivered(id: string, azureActiveDirectoryDeviceId: string, enrollmentProfileName: string | null, digest: string): Promise<void>;

  /** Records an import that failed; it creates nothing else. */
  insertImported(imported: ImportedDeviceIdentity): Promise<void>;
  /** Records refused imports and their events in one transaction. */
  insertImportedMany(imported: ImportedDeviceIdentity[], events?: DiscoveryEvent[]): Promise<void>;
  getImported(tenantId: string, id: string): Promise<ImportedDeviceIdentity | undefined>;
  listImported(tenantId: string, query: ListQuery): Promise<ListPage<ImportedDeviceIdentity>>;
  countImported(tenantId: string, filter?: FilterNode): Promise<number>;
  deleteImported(tenantId: string, id: string): Promise<boolean>;

  createProfile(profile: DeploymentProfile): Promise<void>;
  getProfile(tenantId: string, id: string): Promise<DeploymentProfile | undefined>;
  listProfiles(tenantId: string, query: ListQuery): Promise<ListPage<DeploymentProfile>>;
  countProfiles(tenantId: string, filter?: FilterNode): Promise<number>;
  /** False when the tenant has no such profile. `messages` are queued in the same transaction, as below. */
  updateProfile(profile: DeploymentProfile, messages?: OutboxWrite[]): Promise<boolean>;
  /** Deletes the profile and its assignments. */
  deleteProfile(tenantId: string, id: string, messages?: OutboxWrite[]): Promise<boolean>;

  /** False when the profile already has an assignment with this id. `messages` (a tenant walk) are queued in the same transaction. */
  addAssignment(assignment: ProfileAssignment, messages?: OutboxWrite[]): Promise<boolean>;
  listAssignments(tenantId: string, profileId: string): Promise<ProfileAssignment[]>;
  pageAssignments(tenantId: string, profileId: string, query: ListQuery): Promise<ListPage<ProfileAssignment>>;
  countAssignments(tenantId: string, profileId: string, filter?: FilterNode): Promise<number>;
  deleteAssignment(tenantId: string, profileId: string, id: string, messages?: OutboxWrite[]): Promise<boolean>;
  getAssignment(tenantId: string, profileId: string, id: string): Promise<ProfileAssignment | undefined>;
  /** The newest assignment in the tenant whose target is one of `targetTypes`, with its profile. */
  newestAssignment(
    tenantId: string,
    targetTypes: string[],
  ): Promise<{ assignment: ProfileAssignment; profile: DeploymentProfile } | undefined>;

  /** Every assignment of the tenant with its profile, oldest assignment first. */
  tenantAssignments(tenantId: string): Promise<Array<{ assignment: ProfileAssignment; profile: DeploymentProfile }>>;
  /** (tenant, group) pairs some assignment targets, across tenants. */
  targetedGroups(): Promise<Array<{ tenantId: string; groupId: string }>>;
  isGroupTargeted(tenantId: string, groupId: string): Promise<boolean>;
  getGroupWatch(tenantId: string, groupId: string): Promise<GroupWatch | undefined>;
  findGroupWatchBySubscription(subscriptionId: string): Promise<GroupWatch | undefined>;
  listGroupWatches(): Promise<GroupWatch[]>;
  putGroupWatch(watch: GroupWatch, at: string): Promise<void>;
  /** Forgets the watch and its mirror. */
  deleteGroupWatch(tenantId: string, groupId: string): Promise<void>;
  /** Targeted groups of the tenant whose mirror is not complete yet. */
  unsyncedGroups(tenantId: string): Promise<string[]>;
  /** Replaces the mirror of one group; answers the device ids it held before. */
  replaceGroupMembers(tenantId: string, groupId: string, members: GroupMember[]): Promise<string[]>;
  /** Applies a delta idempotently: added members are upserted, removed ones deleted by object id. */
  applyGroupDelta(tenantId: string, groupId: string, added: GroupMember[], removedObjectIds: string[]): Promise<void>;
  /** The mirrored groups each of these devices belongs to. */
  groupsOfDevices(tenantId: string, deviceIds: string[]): Promise<Map<string, Set<string>>>;
  devicesByDeviceIds(tenantId: string, deviceIds: string[]): Promise<AutopilotDevice[]>;
  /** When each device's profile last changed through membership, with the profile it changed to. */
  profileStates(tenantId: string, deviceIds: string[]): Promise<Map<string, { profileId: string | null; changed: string }>>;
  putProfileState(tenantId: string, deviceId: string, profileId: string | null, changed: string, event?: DiscoveryEvent): Promise<void>;
  /** Up to `limit` devices of a tenant after `cursor`, in creation order. */
  devicesAfter(tenantId: string, cursor: DeviceCursor | undefined, limit: number): Promise<AutopilotDevice[]>;
  /**
   * Records one page of a tenant walk: marks the walk's outbox message `messageId` delivered,
   * and writes the page's events, its messages and the walk's next message, all in one
   * transaction. False, with nothing written, when that message was already delivered: another
   * runner recorded this page first.
   */
  commitWalkPage(messageId: string, events: DiscoveryEvent[], messages: OutboxWrite[]): Promise<boolean>;
  /** Makes a queued message due ahead of every other (a walk's runner hands the rest of the walk to the relay). */
  releaseMessage(id: string): Promise<void>;

  /** Queues outbox messages that follow a change already committed (a group's mirrored members). */
  enqueueMessages(messages: OutboxWrite[]): Promise<void>;
  appendEvents(events: DiscoveryEvent[]): Promise<void>;
  /** Newest first; `next` when more match. */
  listEvents(query: EventQuery): Promise<{ items: DiscoveryEvent[]; next?: EventCursor }>;
  /** Deletes events that occurred before `before`; answers how many. */
  pruneEvents(before: string): Promise<number>;

  getSettings(tenantId: string): Promise<AutopilotSettings>;
  /** Records a manual sync that finished at `at`. */
  recordSync(tenantId: string, at: string): Promise<void>;

  close(): Promise<void>;
}
