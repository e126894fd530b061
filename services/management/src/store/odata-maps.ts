/**
 * Graph managedDevice properties `$filter` and `$orderby` can name, and the enrollment columns
 * (or SQL over them) behind them. The properties are those Intune's managedDevice reference
 * marks filterable and the JSON shows; deviceEnrollmentType and joinType are not among them
 * (Intune ignores a filter on deviceEnrollmentType), so they are refused rather than guessed.
 * The expressions name the enrollment's columns through the table: the query must select
 * from `enrollments` and pass it as the OData table.
 */
import { sql } from 'kysely';
import { odataConstant, odataRenamed, type ODataPropertyMap } from '@baton/kit';
import {
  COMPLIANCE_STATES,
  MANAGEMENT_AGENT,
  MANAGEMENT_AGENTS,
  MANAGEMENT_STATE,
  MANAGEMENT_STATES,
  OPERATING_SYSTEM,
  UNEVALUATED_COMPLIANCE,
} from './managed-device-values.js';

export const MANAGED_DEVICE_PROPERTIES: ODataPropertyMap = {
  id: { column: 'id', type: 'string', caseInsensitive: true },
  azureADDeviceId: { column: 'azure_ad_device_id', type: 'string', caseInsensitive: true },
  serialNumber: { column: 'serial_number', type: 'string' },
  model: { column: 'model', type: 'string', caseInsensitive: true },
  manufacturer: { column: 'manufacturer', type: 'string', caseInsensitive: true },
  deviceName: { column: 'device_name', type: 'string', caseInsensitive: true },
  osVersion: { column: 'os_version', type: 'string' },
  userId: { column: 'user_id', type: 'string', caseInsensitive: true },
  userPrincipalName: { column: 'upn', type: 'string', caseInsensitive: true },
  enrolledDateTime: { column: 'enrolled_at', type: 'datetime' },
  lastSyncDateTime: { column: 'last_sync_at', type: 'datetime' },
  // The latest evaluation's state (compliance/schema.ts), one primary-key probe per device.
  complianceState: {
    expression: (column) =>
      sql`COALESCE((SELECT ${sql.ref('dc.state')} FROM device_compliance AS dc WHERE ${sql.ref('dc.enrollment_id')} = ${column('id')}), ${sql.lit(UNEVALUATED_COMPLIANCE)})`,
    type: 'string',
    enumMembers: COMPLIANCE_STATES,
  },
  managementState: { expression: odataRenamed('management_state', MANAGEMENT_STATE), type: 'string', enumMembers: MANAGEMENT_STATES },
  operatingSystem: { expression: odataConstant(OPERATING_SYSTEM), type: 'string', caseInsensitive: true },
  managementAgent: { expression: odataConstant(MANAGEMENT_AGENT), type: 'string', enumMembers: MANAGEMENT_AGENTS },
};
