/** Graph managedDevice properties `$filter` can name, and the enrollment columns behind them. */
import type { ODataPropertyMap } from '@baton/kit';

export const MANAGED_DEVICE_PROPERTIES: ODataPropertyMap = {
  id: { column: 'id', type: 'string', caseInsensitive: true },
  azureADDeviceId: { column: 'azure_ad_device_id', type: 'string', caseInsensitive: true },
  serialNumber: { column: 'serial_number', type: 'string' },
  deviceName: { column: 'device_name', type: 'string', caseInsensitive: true },
  osVersion: { column: 'os_version', type: 'string' },
  userId: { column: 'user_id', type: 'string', caseInsensitive: true },
  userPrincipalName: { column: 'upn', type: 'string', caseInsensitive: true },
  enrolledDateTime: { column: 'enrolled_at', type: 'datetime' },
  lastSyncDateTime: { column: 'last_sync_at', type: 'datetime' },
};
