/**
 * What the management domain needs from storage. The session engine and enrollment
 * code depend on this interface only; `KyselyManagementStore` implements it on SQLite
 * and PostgreSQL.
 */
import type { AutopilotDeviceMode } from '@baton/contracts';
import type { FeedEvent } from '@baton/kit';
import type { FilterNode, OrderByItem } from '@baton/protocols';
import type { ManagementState, QueueStatus, SessionAuth } from './schema.js';

export type { ManagementState, QueueStatus, SessionAuth };

export type Inventory = Record<string, string>;

/** States in which an enrollment no longer authenticates: the device has been let go. */
export const UNENROLLED_STATES: readonly ManagementState[] = ['retired', 'retireIssued'];

export interface Enrollment {
  id: string;
  tenantId: string;
  azureAdDeviceId: string;
  /**
   * The device's primary user: who enrolled it, or for a device that enrolled alone (device
   * auth), the first user whose token its sessions carried; null until there is one.
   */
  userId: string | null;
  upn: string | null;
  /** Read from the store always; optional so that records built elsewhere (fixtures, benchmarks) need not name them. */
  userDisplayName?: string | null;
  userEmail?: string | null;
  /** Enrolled with the device's own token (self-deploying, a technician's pre-provisioning): windowsAzureADJoinUsingDeviceAuth. */
  deviceAuth?: boolean;
  /**
   * For a device-auth enrollment, which of the two modes it is, as identity's token said
   * (AUTOPILOT_MODE_CLAIM); null when the token did not say (enrolled before identity did).
   */
  autopilotMode?: AutopilotDeviceMode | null;
  mdmDeviceId: string;
  hwDevId: string | null;
  deviceName: string | null;
  osVersion: string | null;
  enrollmentType: string;
  certThumbprint: string;
  certPem: string;
  enrolledAt: string;
  lastSyncAt: string | null;
  managementState: ManagementState;
  inventory: Inventory;
}

export type CommandVerb = 'Get' | 'Add' | 'Replace' | 'Delete' | 'Exec';

/** What goes into an Item besides its target: the value and its Meta. */
export interface CommandPayload {
  data?: string;
  format?: string;
  type?: string;
}

/** A single-item command: one verb on one LocURI. */
export interface ItemCommand {
  verb: CommandVerb;
  locUri: string;
  payload?: CommandPayload;
}

/** One Add or Replace inside an Atomic. */
export interface AtomicChild {
  verb: 'Add' | 'Replace';
  locUri: string;
  payload?: CommandPayload;
}

/**
 * Settings that belong together, delivered as one SyncML Atomic: the device applies all of
 * them or none (OMA-DM 1.2 Protocol §6.6.3; a failing child makes the Atomic 507 and rolls the
 * others back with 216).
 */
export interface AtomicCommand {
  verb: 'Atomic';
  children: AtomicChild[];
}

export type NewCommand = ItemCommand | AtomicCommand;

/** The device's Status for one child of an Atomic, null until it arrives. */
export interface ChildStatus {
  cmdId: string;
  statusCode: string | null;
}

export interface QueuedCommand {
  commandId: string;
  verb: CommandVerb | 'Atomic';
  /** Empty for an Atomic, whose targets are its children's. */
  locUri: string;
  payload: CommandPayload;
  /** An Atomic's children, in the order they are sent. */
  children?: AtomicChild[];
  /** An Atomic's per-child Statuses, once it has been sent. */
  childStatuses?: ChildStatus[];
  position: number;
  status: QueueStatus;
  sessionId: string | null;
  msgId: string | null;
  cmdId: string | null;
  statusCode: string | null;
  result: unknown;
}

export interface StoredCertificateAuthority {
  certPem: string;
  keySealed: string;
}

export interface SentCommand {
  commandId: string;
  cmdId: string;
  /** The CmdIDs an Atomic's children were sent with, in order. */
  childCmdIds?: string[];
}

export interface CommandCorrelation {
  enrollmentId: string;
  sessionId: string;
  msgRef: string;
  cmdRef: string;
}

/** The user management learnt uses a device (Intune's primary user). */
export interface PrimaryUser {
  userId: string;
  upn: string | null;
  displayName: string | null;
  email: string | null;
}

export interface EnrollmentPatch {
  managementState?: ManagementState;
  lastSyncAt?: string;
  /** Merged into the stored inventory, key by key. */
  inventory?: Inventory;
}

/** OMA-DM digest credentials of an enrollment: the APPAUTH CLIENT name/secret and the current nonce. */
export interface DigestCredential {
  userName: string;
  /** The secret, sealed with the service's secret box. */
  secretSealed: string;
  nonce: string;
}

export interface SessionState {
  lastMsgId: string;
  ended: boolean;
  auth: SessionAuth;
  limits: SessionLimits;
}

/** The enrollment a message is for, with what its session rules read. */
export interface MessageSubject {
  enrollment: Enrollment;
  /** The most recent session with the message's SessionID, if any. */
  session?: SessionState;
  /** Some session of the device has not ended (this one or another). */
  anyOpen: boolean;
}

/** One message of a session, as the session's row records it. */
export interface SessionMessage {
  enrollmentId: string;
  sessionId: string;
  msgId: string;
  at: string;
  /** The message opened the session (Alert 1200/1201). */
  opens: boolean;
  /** Set when this message ended the session. */
  endedAt: string | null;
  auth?: SessionAuth;
  /** Limits the message stated; those it did not state stay as stored. */
  limits?: SessionLimits;
  /**
   * For a message that opens a session: false when the caller read, under the enrollment's
   * lock, that no session of the device is open, so there is none to end.
   */
  endsOpenSessions?: boolean;
}

/** MaxMsgSize / MaxObjSize from the device's SyncHdr Meta. */
export interface SessionLimits {
  maxMsgSize?: number;
  maxObjSize?: number;
}

export type DeviceActionName =
  | 'syncDevice'
  | 'rebootNow'
  | 'wipe'
  | 'retire'
  | 'windowsDefenderScan'
  | 'windowsDefenderUpdateSignatures'
  | 'rotateBitLockerKeys'
  | 'setDeviceName';

/** An action as stored, with the state of the command it queued (if it queued one). */
export interface StoredDeviceAction {
  enrollmentId: string;
  actionName: DeviceActionName;
  startedAt: string;
  /** Null when the action queued no command, or the queue row is gone. */
  queueStatus: QueueStatus | null;
  statusCode: string | null;
  queueUpdatedAt: string | null;
  /** The data the action's command carried (a BitLocker rotation's request id), when it queued one. */
  commandData: string | null;
}

export interface NewDeviceAction {
  actionName: DeviceActionName;
  command?: NewCommand;
  /** Set on the enrollment in the same transaction. */
  managementState?: ManagementState;
  /** Reads queued right behind the command (the values it changes), not part of the action's own state. */
  followUp?: NewCommand[];
  at: string;
}

/**
 * What a device's new session has to do besides answering its message (see
 * `store/session-due.ts`): false means that part has nothing to do for this device now.
 */
export interface SessionDue {
  /** Commands queued for the device or in flight to it. */
  queue: boolean;
  compliance: boolean;
  configuration: boolean;
  apps: boolean;
}

export interface ListPage {
  top: number;
  skip: number;
}

export interface ManagementStore {
  /** Runs `fn` atomically: everything it writes commits together or not at all. */
  transaction<T>(fn: (store: ManagementStore) => Promise<T>): Promise<T>;

  getCertificateAuthority(): Promise<StoredCertificateAuthority | undefined>;
  /** Stores the CA unless one exists already (another replica may win the race); returns the stored one. */
  putCertificateAuthorityIfAbsent(ca: StoredCertificateAuthority): Promise<StoredCertificateAuthority>;

  /**
   * Creates an enrollment and queues its first commands, removing the tenant's earlier
   * enrollments of the same device (same Entra device id, MDM device id or hardware id).
   * Returns the ids it removed.
   */
  replaceEnrollment(enrollment: Enrollment, initialCommands: NewCommand[], credential?: DigestCredential): Promise<string[]>;
  /**
   * Bulk load for benchmarks and imports: inserts new enrollments (no replacement of earlier
   * ones) and, when given, one command queued to every one of them.
   */
  insertEnrollments(enrollments: Enrollment[], command?: NewCommand): Promise<void>;
  getEnrollment(id: string): Promise<Enrollment | undefined>;
  /**
   * Reads an enrollment and, inside a transaction, holds it until commit, so that two
   * messages of one device processed at once cannot hand out the same command twice.
   */
  lockEnrollment(id: string): Promise<Enrollment | undefined>;
  /**
   * What an OMA-DM message needs before it is acted on, read in one statement and, inside a
   * transaction, held as `lockEnrollment` holds it: the enrollment, its most recent session
   * with this SessionID, and whether any session of the device is still open.
   */
  lockEnrollmentForMessage(id: string, sessionId: string): Promise<MessageSubject | undefined>;
  getEnrollmentByThumbprint(thumbprint: string): Promise<Enrollment | undefined>;
  /** The enrollment holding this certificate, with what a session of it has to do (`sessionDue`), in one read. */
  enrollmentOfCertificate(thumbprint: string): Promise<{ enrollment: Enrollment; due: SessionDue } | undefined>;
  /** The tenant's enrollment of this device (same Entra device id, MDM device id or hardware id), if any. */
  findEnrollmentOfDevice(tenantId: string, device: Pick<Enrollment, 'azureAdDeviceId' | 'mdmDeviceId' | 'hwDevId'>): Promise<Enrollment | undefined>;
  /**
   * Certificate renewal: the enrollment's certificate becomes `certPem`, only if it still is
   * `previousThumbprint` (two renewals racing: one wins). The old certificate then belongs to
   * no enrollment, so it no longer authenticates. False when nothing changed.
   */
  replaceCertificate(enrollmentId: string, previousThumbprint: string, certPem: string, thumbprint: string): Promise<boolean>;
  /** `filter` is a Graph $filter over MANAGED_DEVICE_PROPERTIES (odata-maps.ts). */
  /** Ordered by `orderby` first, then by enrolment time and id. */
  listEnrollments(tenantId: string, page: ListPage, filter?: FilterNode, orderby?: readonly OrderByItem[]): Promise<{ items: Enrollment[]; total: number }>;
  updateEnrollment(id: string, patch: EnrollmentPatch): Promise<void>;
  /**
   * The end of a session that left the device's queue settled: its state and when it last
   * synced. Nearly every poll ends this way, so it is a statement of its own, prepared once.
   */
  markSynced(id: string, state: ManagementState, at: string): Promise<void>;
  /** Records the primary user of an enrollment that has none yet; false when it had one. */
  setPrimaryUser(id: string, user: PrimaryUser): Promise<boolean>;

  /** Appends to management's event feed, in this store's transaction when it is in one. */
  appendEvents(events: FeedEvent[]): Promise<void>;

  /** What a new session of this device has to do, in one read (nothing cached). */
  sessionDue(enrollmentId: string, tenantId: string): Promise<SessionDue>;

  /** One command row, queued at the end of each enrollment's queue. */
  enqueueCommand(command: NewCommand, enrollmentIds: string[]): Promise<string>;
  listQueue(enrollmentId: string): Promise<QueuedCommand[]>;
  nextQueued(enrollmentId: string, limit: number): Promise<QueuedCommand[]>;
  markSent(enrollmentId: string, sessionId: string, msgId: string, sent: SentCommand[]): Promise<void>;
  /** Puts commands sent in an earlier, abandoned session back in the queue. */
  requeueInFlight(enrollmentId: string): Promise<number>;
  /** Fails queued commands that can never be delivered (too large for the device), with this status. */
  failQueued(enrollmentId: string, commandIds: string[], statusCode: string): Promise<void>;
  /** Applies a device Status to the command it answers; false when nothing matched. */
  recordStatus(ref: CommandCorrelation, statusCode: string): Promise<boolean>;
  /**
   * Files the Statuses of Atomic children sent in one message (by the child's CmdID, which
   * the device names as CmdRef); a child already answered keeps its first Status. Returns
   * how many matched.
   */
  recordChildStatuses(enrollmentId: string, sessionId: string, msgRef: string, statuses: ReadonlyMap<string, string>): Promise<number>;
  recordResult(ref: CommandCorrelation, result: unknown): Promise<boolean>;
  countOutstanding(enrollmentId: string): Promise<{ queued: number; sent: number }>;

  /**
   * Records an administrator's action and queues its command (one command row) at the end of
   * the device's queue, all in one transaction. False when the enrollment does not exist.
   */
  requestDeviceAction(enrollmentId: string, action: NewDeviceAction): Promise<boolean>;
  /** The actions of these enrollments, oldest first. */
  listDeviceActions(enrollmentIds: string[]): Promise<StoredDeviceAction[]>;
  /** Removes the enrollment with its queue, sessions, credentials and actions. */
  deleteEnrollment(id: string): Promise<boolean>;

  /** Enrollments (not retired) of a DM device id that hold digest credentials. */
  digestCandidates(mdmDeviceId: string): Promise<Array<{ enrollment: Enrollment; credential: DigestCredential }>>;
  /** Replaces the nonce only if it is still `expected`: a nonce authenticates once. */
  rotateNonce(enrollmentId: string, expected: string, next: string): Promise<boolean>;

  /** The most recent session of the enrollment with this SessionID, if any. */
  findSession(enrollmentId: string, sessionId: string): Promise<SessionState | undefined>;
  /**
   * Writes a message's session row once, when the message has been handled: a message that
   * opens a session ends any other open session of the device and inserts the new row, ended
   * already when the message also ended it (the common poll: one message, nothing to do); a
   * later message moves the open session on, and ends it when `endedAt` is given.
   */
  recordSessionMessage(message: SessionMessage): Promise<void>;
  /** Deletes at most `limit` sessions that ended before `before`; open sessions stay. */
  pruneEndedSessions(before: string, limit: number): Promise<number>;
  recordRawRequest(enrollmentId: string, sessionId: string, msgId: string, body: string, at: string): Promise<void>;
  listRawRequests(enrollmentId: string): Promise<Array<{ sessionId: string; msgId: string; body: string; receivedAt: string }>>;
  /** Deletes up to `limit` raw requests received before `before`; returns how many. */
  pruneRawRequests(before: string, limit: number): Promise<number>;
}
