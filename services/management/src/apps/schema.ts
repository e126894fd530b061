/**
 * The apps and Enrollment Status Page tables in management's database: mobile apps and their
 * assignments, each device's install state per app, ESP configurations and their assignments,
 * and one deployment record per new enrollment. Same conventions as store/schema.ts: ISO text
 * times, JSON text, integer booleans.
 */
import type { ManagementDatabase } from '../store/schema.js';

export interface MobileAppsTable {
  id: string;
  tenant_id: string;
  /** `win32LobApp` or `windowsMobileMSI`. */
  app_type: string;
  display_name: string;
  /** The product code the EnterpriseDesktopAppManagement CSP names the app by (`{GUID}`). */
  product_code: string;
  /** JSON: every stored Graph property besides id, times and @odata.type. */
  properties: string;
  created_at: string;
  modified_at: string;
}

export interface MobileAppAssignmentsTable {
  id: string;
  app_id: string;
  tenant_id: string;
  intent: string;
  /** JSON: the Graph target. */
  target: string;
  /** JSON: the Graph settings object, or null. */
  settings: string | null;
}

/** One app on one device (user_id set when a user-targeted assignment brought it). */
export interface AppInstallsTable {
  enrollment_id: string;
  app_id: string;
  tenant_id: string;
  user_id: string | null;
  /** `install` or `uninstall`: what management is driving the device towards. */
  intent: string;
  /** Graph's resultantAppState: pendingInstall, installed, failed, notInstalled, uninstallFailed. */
  state: string;
  /** The CSP's Status node as last read (10 … 70), or null before the first read. */
  csp_status: number | null;
  /** The installer's error code as the device reported it (`0x80070643`), or null. */
  error_code: string | null;
  error_description: string | null;
  attempts: number;
  next_attempt_at: string | null;
  /** The Exec or Delete command whose Status decides the outcome of this attempt. */
  command_id: string | null;
  updated_at: string;
}

export interface EspConfigurationsTable {
  id: string;
  tenant_id: string;
  display_name: string;
  priority: number;
  /** JSON: the ESP's Graph properties. */
  properties: string;
  version: number;
  created_at: string;
  modified_at: string;
}

export interface EspAssignmentsTable {
  id: string;
  configuration_id: string;
  tenant_id: string;
  target: string;
}

/** A deployment as management saw it: the autopilotEvents record. */
export interface DeploymentsTable {
  id: string;
  tenant_id: string;
  enrollment_id: string;
  azure_ad_device_id: string;
  user_id: string | null;
  upn: string | null;
  /** Graph windowsAutopilotEnrollmentType; null in records older than the column. */
  enrollment_type: string | null;
  serial_number: string | null;
  device_name: string | null;
  os_version: string | null;
  esp_id: string | null;
  esp_name: string | null;
  /** inProgress, success, failure. */
  state: string;
  device_setup_status: string;
  account_setup_status: string;
  timeout_minutes: number;
  /** JSON: { device: appId[], user: appId[] }, the apps the ESP blocks on. */
  blocking_apps: string;
  started_at: string;
  device_setup_ended_at: string | null;
  account_setup_started_at: string | null;
  ended_at: string | null;
  failure_code: string | null;
  failure_app_id: string | null;
  failure_text: string | null;
  trace_id: string | null;
  updated_at: string;
}

export interface AppsDatabase extends ManagementDatabase {
  mobile_apps: MobileAppsTable;
  mobile_app_assignments: MobileAppAssignmentsTable;
  app_installs: AppInstallsTable;
  esp_configurations: EspConfigurationsTable;
  esp_assignments: EspAssignmentsTable;
  deployments: DeploymentsTable;
}
