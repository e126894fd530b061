/**
 * Which Graph properties of a directory collection are columns, so `$filter`, `$orderby` and
 * `$search` run in the database. Directory strings compare ignoring case, as Entra's do.
 */
import type { ODataPropertyMap, ODataSearchMap } from '@baton/kit';
import type { DirectoryColumns } from './directory-query.js';
import { USER_PROFILE_COLUMNS } from './user-profile-columns.js';

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

/** Graph property → column of `users`, the profile's strings (givenName, department, …) among them. */
export const USER_ODATA_PROPERTIES: ODataPropertyMap = {
  id: text('id'),
  userPrincipalName: text('upn'),
  displayName: text('display_name'),
  accountEnabled: bool('account_enabled'),
  createdDateTime: { column: 'created_at', type: 'datetime' },
  ...Object.fromEntries(Object.entries(USER_PROFILE_COLUMNS).map(([property, column]) => [property, text(column)])),
};

/** `$orderby` on devices also sorts by when the object was created, which `$filter` does not take. */
export const DEVICE_ORDER_PROPERTIES: ODataPropertyMap = {
  ...DEVICE_ODATA_PROPERTIES,
  createdDateTime: { column: 'created_at', type: 'datetime' },
};

/** displayName is searched by its words (the `display_name_words` column), the rest as startswith. */
const searchColumns = (properties: ODataPropertyMap): ODataSearchMap => ({ tokenized: { displayName: 'display_name_words' }, properties });

export const USER_COLUMNS: DirectoryColumns = { filter: USER_ODATA_PROPERTIES, order: USER_ODATA_PROPERTIES, search: searchColumns(USER_ODATA_PROPERTIES) };
export const DEVICE_COLUMNS: DirectoryColumns = { filter: DEVICE_ODATA_PROPERTIES, order: DEVICE_ORDER_PROPERTIES, search: searchColumns(DEVICE_ODATA_PROPERTIES) };
