/** Column layout of discovery's tables. Booleans are integers, timestamps ISO text, JSON text. */
import type { OutboxTable } from '@baton/kit';

export interface AutopilotDeviceRow {
  id: string;
  tenant_id: string;
  serial_number: string;
  hardware_hash: string;
  hardware_identity_digest: string;
  endorsement_key_digest?: string | null;
  product_key: string | null;
  group_tag: string | null;
  purchase_order_identifier: string | null;
  manufacturer: string | null;
  model: string | null;
  user_principal_name: string | null;
  azure_active_directory_device_id: string;
  enrollment_state: string;
  last_contacted: string | null;
  placeholder_delivered: number;
  placeholder_profile_name?: string | null;
  placeholder_digest?: string | null;
  created: string;
  display_name: string | null;
  addressable_user_name: string | null;
}

export interface ImportedIdentityRow {
  id: string;
  tenant_id: string;
  serial_number: string | null;
  product_key: string | null;
  group_tag: string | null;
  assigned_user_principal_name: string | null;
  hardware_hash: string | null;
  state: string;
  /** state.deviceImportStatus again, as a column clients can filter on. */
  import_status: string | null;
  import_id: string | null;
  created: string;
}

export interface DeploymentProfileRow {
  id: string;
  tenant_id: string;
  odata_type: string;
  display_name: string;
  description: string | null;
  settings: string;
  created: string;
  modified: string;
}

export interface ProfileAssignmentRow {
  id: string;
  profile_id: string;
  tenant_id: string;
  target_type: string;
  target: string;
  created: string;
  /** Lower-case group id of group and exclusion-group targets. */
  group_id: string | null;
}

export interface GroupMemberRow {
  tenant_id: string;
  group_id: string;
  object_id: string;
  /** The device's deviceId: discovery's azureActiveDirectoryDeviceId. */
  device_id: string;
}

export interface GroupSubscriptionRow {
  tenant_id: string;
  group_id: string;
  subscription_id: string | null;
  expiration: string | null;
  synced: number;
  last_error: string | null;
  modified: string;
}

export interface DeviceProfileStateRow {
  tenant_id: string;
  device_id: string;
  profile_id: string | null;
  changed: string;
}

export interface AutopilotSettingsRow {
  tenant_id: string;
  last_sync: string | null;
  last_manual_sync: string | null;
  sync_status: string;
}

export interface DiscoveryEventRow {
  id: string;
  /** Null for a lookup of a hash no tenant registered. */
  tenant_id: string | null;
  occurred_at: string;
  type: string;
  outcome: string;
  ztd_id: string | null;
  azure_ad_device_id: string | null;
  serial_number: string | null;
  trace_id: string;
  error_code: string | null;
  detail: string;
}

export interface DiscoveryTables extends OutboxTable {
  discovery_events: DiscoveryEventRow;
  autopilot_settings: AutopilotSettingsRow;
  autopilot_devices: AutopilotDeviceRow;
  imported_device_identities: ImportedIdentityRow;
  deployment_profiles: DeploymentProfileRow;
  profile_assignments: ProfileAssignmentRow;
  group_members: GroupMemberRow;
  group_subscriptions: GroupSubscriptionRow;
  device_profile_state: DeviceProfileStateRow;
}
