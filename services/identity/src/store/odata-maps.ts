/**
 * Which Graph properties of a directory collection are columns, so `$filter` runs in the
 * database. Directory strings compare ignoring case, as Entra's do.
 */
import type { ODataPropertyMap } from '@baton/kit';

const text = (column: string) => ({ column, type: 'string' as const, caseInsensitive: true });
const bool = (column: string) => ({ column, type: 'boolean' as const });

/** Graph property → column; `devices` rows store booleans as 0/1 and physicalIds as JSON text. */
export const DEVICE_ODATA_PROPERTIES: ODataPropertyMap = {
  id: text('id'),
  deviceId: text('device_id'),
  displayName: text('display_name'),
  trustType: text('trust_type'),
  operatingSystem: text('operating_system'),
  operatingSystemVersion: text('operating_system_version'),
  accountEnabled: bool('account_enabled'),
  isCompliant: bool('is_compliant'),
  isManaged: bool('is_managed'),
  mdmAppId: text('mdm_app_id'),
  deviceOwnership: text('device_ownership'),
  enrollmentProfileName: text('enrollment_profile_name'),
  registrationDateTime: { column: 'registered_at', type: 'datetime' },
  approximateLastSignInDateTime: { column: 'approximate_last_sign_in', type: 'datetime' },
  physicalIds: { jsonArrayColumn: 'physical_ids', caseInsensitive: true },
};


/** Graph property → column of `users`; `mail` is not stored (Baton's users have none). */
export const USER_ODATA_PROPERTIES: ODataPropertyMap = {
  id: text('id'),
  userPrincipalName: text('upn'),
  displayName: text('display_name'),
  accountEnabled: bool('account_enabled'),
  createdDateTime: { column: 'created_at', type: 'datetime' },
};
