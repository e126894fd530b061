/**
 * Row shapes of management's own database. Booleans are integers, timestamps ISO-8601
 * text and structured values JSON text, so that SQLite and PostgreSQL hold identical data.
 */
import type { OutboxTable } from '@baton/kit';

/**
 * `retired` is the device leaving on its own (unenroll alert); the wipe and retire states are
 * Graph's own names for an administrator's action waiting for (pending), acknowledged by
 * (issued) or refused by (failed) the device.
 */
export type ManagementState =
  | 'enrolling'
  | 'managed'
  | 'retired'
  | 'wipePending'
  | 'wipeIssued'
  | 'wipeFailed'
  | 'retirePending'
  | 'retireIssued'
  | 'retireFailed';
export type QueueStatus = 'queued' | 'sent' | 'acknowledged' | 'failed';

export interface MdmCaTable {
  id: string;
  cert_pem: string;
  key_sealed: string;
  created_at: string;
}

export interface EnrollmentsTable {
  id: string;
  tenant_id: string;
  azure_ad_device_id: string;
  user_id: string | null;
  upn: string | null;
  user_display_name: string | null;
  user_email: string | null;
  /** 1 for an enrollment made with the device's own token. */
  device_auth: number;
  /** selfDeploying or preProvisioned for a device-auth enrollment whose token said so. */
  autopilot_mode: string | null;
  mdm_device_id: string;
  hw_dev_id: string | null;
  device_name: string | null;
  os_version: string | null;
  enrollment_type: string;
  cert_thumbprint: string;
  cert_pem: string;
  enrolled_at: string;
  last_sync_at: string | null;
  management_state: ManagementState;
  inventory: string;
  /** From the inventory (store/inventory-columns.ts), for Graph's $filter. */
  serial_number: string | null;
  model: string | null;
  manufacturer: string | null;
}

export interface CommandsTable {
  id: string;
  verb: string;
  loc_uri: string;
  payload: string;
  created_at: string;
}

export interface CommandQueueTable {
  enrollment_id: string;
  command_id: string;
  position: number;
  status: QueueStatus;
  session_id: string | null;
  msg_id: string | null;
  cmd_id: string | null;
  status_code: string | null;
  result: string | null;
  /** An Atomic's children's Statuses as JSON ChildStatus[], set when it is sent. */
  child_statuses: string | null;
  updated_at: string;
}

export interface SessionsTable {
  id: string;
  enrollment_id: string;
  session_id: string;
  last_msg_id: string;
  started_at: string;
  ended_at: string | null;
  auth: SessionAuth;
  /** The device's MaxMsgSize/MaxObjSize (SyncHdr Meta) as last stated in the session. */
  max_msg_size: number | null;
  max_obj_size: number | null;
}

export type SessionAuth = 'certificate' | 'digest';

export interface DigestCredentialsTable {
  enrollment_id: string;
  user_name: string;
  secret_sealed: string;
  /** Base64 of the nonce the device must use in its next Cred. */
  nonce: string;
  updated_at: string;
}

export interface RawRequestsTable {
  id: string;
  enrollment_id: string;
  session_id: string;
  msg_id: string;
  body_gzip: string;
  received_at: string;
}

/** An administrator's action on a managed device; its progress is read from the command's queue row. */
export interface DeviceActionsTable {
  id: string;
  enrollment_id: string;
  action_name: string;
  /** Null for actions that send nothing (syncDevice). */
  command_id: string | null;
  started_at: string;
}

export interface ManagementDatabase extends OutboxTable {
  device_actions: DeviceActionsTable;
  mdm_ca: MdmCaTable;
  enrollments: EnrollmentsTable;
  commands: CommandsTable;
  command_queue: CommandQueueTable;
  sessions: SessionsTable;
  raw_requests: RawRequestsTable;
  digest_credentials: DigestCredentialsTable;
}
