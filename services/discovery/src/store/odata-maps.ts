/**
 * Which Graph properties of each collection are columns, so `$filter` and `$orderby` run in
 * the database. A property not listed here is refused with a 400 naming it rather than
 * filtered in memory, which would not scale past one page. Strings compare ignoring case, as
 * Intune compares serial numbers and group tags.
 */
import type { ODataPropertyMap } from '@baton/kit';

const text = (column: string) => ({ column, type: 'string' as const, caseInsensitive: true });

export const DEVICE_PROPERTIES: ODataPropertyMap = {
  id: text('id'),
  serialNumber: text('serial_number'),
  groupTag: text('group_tag'),
  purchaseOrderIdentifier: text('purchase_order_identifier'),
  productKey: text('product_key'),
  manufacturer: text('manufacturer'),
  model: text('model'),
  enrollmentState: text('enrollment_state'),
  lastContactedDateTime: { column: 'last_contacted', type: 'datetime' },
  userPrincipalName: text('user_principal_name'),
  addressableUserName: text('addressable_user_name'),
  displayName: text('display_name'),
  azureActiveDirectoryDeviceId: text('azure_active_directory_device_id'),
  azureAdDeviceId: text('azure_active_directory_device_id'),
};

export const IMPORTED_PROPERTIES: ODataPropertyMap = {
  id: text('id'),
  serialNumber: text('serial_number'),
  groupTag: text('group_tag'),
  productKey: text('product_key'),
  assignedUserPrincipalName: text('assigned_user_principal_name'),
  importId: text('import_id'),
  'state/deviceImportStatus': text('import_status'),
};

/** Graph documents only displayName and description as queryable on profiles. */
export const PROFILE_PROPERTIES: ODataPropertyMap = {
  displayName: text('display_name'),
  description: text('description'),
};

export const ASSIGNMENT_PROPERTIES: ODataPropertyMap = {
  id: text('id'),
  sourceId: text('profile_id'),
};
