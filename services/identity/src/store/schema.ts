/**
 * Row shapes of identity's tables. Booleans are integers, timestamps ISO text and
 * structured values JSON text, so the same rows work on SQLite and PostgreSQL.
 */
import type { OutboxTable } from '@baton/kit';

export interface TenantsTable {
  id: string;
  domain: string;
  display_name: string;
  branding: string;
  signing_key: string;
  device_ca_cert: string;
  device_ca_key: string;
  created_at: string;
  modified_at: string;
}

export interface UsersTable {
  id: string;
  tenant_id: string;
  upn: string;
  upn_key: string;
  display_name: string;
  /** display_name's `$search` words (kit's searchTokensColumnValue). */
  display_name_words: string;
  password_hash: string;
  account_enabled: number;
  is_admin: number;
  created_at: string;
  modified_at: string;
  // The profile (user-profile-columns.ts), null when unset.
  given_name: string | null;
  surname: string | null;
  mail: string | null;
  job_title: string | null;
  department: string | null;
  company_name: string | null;
  office_location: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  usage_location: string | null;
  employee_id: string | null;
  mobile_phone: string | null;
}

export interface ApplicationsTable {
  tenant_id: string;
  app_id: string;
  display_name: string;
  /** JSON array of ClientSecret. */
  password_credentials: string;
  roles: string;
  is_public: number;
  mdm: string | null;
  created_at: string;
  modified_at: string;
}

export interface RefreshTokensTable {
  token_hash: string;
  family_id: string;
  tenant_id: string;
  user_id: string;
  client_id: string;
  scope: string;
  device_id: string | null;
  expires_at: string;
  rotated: number;
  created_at: string;
}

export interface DevicesTable {
  id: string;
  device_id: string;
  tenant_id: string;
  display_name: string;
  /** display_name's `$search` words (kit's searchTokensColumnValue). */
  display_name_words: string;
  physical_ids: string;
  ztd_id: string | null;
  trust_type: string | null;
  account_enabled: number;
  operating_system: string | null;
  operating_system_version: string | null;
  is_compliant: number | null;
  is_managed: number | null;
  cert_thumbprint: string | null;
  cert_pem: string | null;
  transport_key: string | null;
  registered_owner_user_id: string | null;
  approximate_last_sign_in: string | null;
  registered_at: string | null;
  created_at: string;
  modified_at: string;
  mdm_app_id: string | null;
  device_ownership: string | null;
  enrollment_profile_name: string | null;
  profile_type: string | null;
  compliance_expiration: string | null;
  /** bigint: PostgreSQL hands it back as a string. */
  compliance_version: number | string | null;
  extension_attributes: string | null;
}

export interface RevokedDeviceCertificatesTable {
  tenant_id: string;
  thumbprint: string;
  device_id: string;
  reason: string;
  revoked_at: string;
}

export interface SignInsTable {
  id: string;
  tenant_id: string;
  created_at: string;
  user_id: string | null;
  app_id: string;
  error_code: number;
  conditional_access_status: string;
  /** The rest of the record, as JSON. */
  body: string;
}

export interface ProcessedMessagesTable {
  id: string;
  topic: string;
  processed_at: string;
}

export interface GroupsTable {
  id: string;
  tenant_id: string;
  display_name: string;
  description: string | null;
  mail_nickname: string;
  mail_enabled: number;
  security_enabled: number;
  group_types: string;
  membership_rule: string | null;
  membership_rule_processing_state: string | null;
  rule_subject: string | null;
  membership_updated_at: string | null;
  created_at: string;
  modified_at: string;
}

/** Which dynamic groups read which rule property, lower-cased (`device.devicephysicalids`). */
export interface GroupRulePropertiesTable {
  group_id: string;
  tenant_id: string;
  property: string;
}

export interface GroupRuleStampsTable {
  tenant_id: string;
  stamp: string;
}

export interface GroupMembersTable {
  group_id: string;
  member_id: string;
  member_type: string;
  tenant_id: string;
  source: string;
}

export interface SubscriptionsTable {
  id: string;
  tenant_id: string;
  app_id: string;
  resource: string;
  change_types: string;
  notification_url: string;
  client_state: string | null;
  expires_at: string;
  created_at: string;
}

/** ca_policies and ca_named_locations share this shape; `kind` is the state or the location's @odata.type. */
export interface ConditionalAccessObjectsTable {
  id: string;
  tenant_id: string;
  display_name: string;
  kind: string;
  body: string;
  created_at: string;
  modified_at: string | null;
}

export interface IdentityDatabase extends OutboxTable {
  ca_policies: ConditionalAccessObjectsTable;
  ca_named_locations: ConditionalAccessObjectsTable;
  groups: GroupsTable;
  group_rule_properties: GroupRulePropertiesTable;
  group_rule_stamps: GroupRuleStampsTable;
  group_members: GroupMembersTable;
  subscriptions: SubscriptionsTable;
  tenants: TenantsTable;
  users: UsersTable;
  applications: ApplicationsTable;
  refresh_tokens: RefreshTokensTable;
  devices: DevicesTable;
  revoked_device_certificates: RevokedDeviceCertificatesTable;
  sign_ins: SignInsTable;
  processed_messages: ProcessedMessagesTable;
  bitlocker_recovery_keys: BitLockerRecoveryKeysTable;
}

/** Escrowed BitLocker recovery passwords (bitlocker-keys-store.ts); `sealed_key` is the secret box's ciphertext. */
export interface BitLockerRecoveryKeysTable {
  tenant_id: string;
  id: string;
  device_object_id: string;
  device_id: string;
  volume_type: string;
  sealed_key: string;
  created_at: string;
}
