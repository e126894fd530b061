/**
 * Storage of apps, install states, ESP configurations and deployments, on management's own
 * database (SQLite or PostgreSQL through the same Kysely code). Commands for the device go
 * into the same command queue the session engine reads.
 */
import { randomUUID } from 'node:crypto';
import { applyODataFilter, type Dialect, type ODataPropertyMap, parseJsonOr } from '@baton/kit';
import type { FilterNode } from '@baton/protocols';
import type { Kysely, Transaction } from 'kysely';
import type { ItemCommand, QueueStatus } from '../store/store.js';
import type { AppType, MobileApp } from './mobile-app.js';
import type { AppsDatabase, AppInstallsTable, DeploymentsTable } from './schema.js';

export interface StoredAppAssignment {
  id: string;
  appId: string;
  intent: string;
  target: Record<string, unknown>;
  settings: Record<string, unknown> | null;
}

export interface AppInstall {
  enrollmentId: string;
  appId: string;
  tenantId: string;
  userId: string | null;
  intent: 'install' | 'uninstall';
  state: 'pendingInstall' | 'installed' | 'failed' | 'notInstalled' | 'uninstallFailed';
  cspStatus: number | null;
  errorCode: string | null;
  errorDescription: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  commandId: string | null;
  updatedAt: string;
}

export interface EspConfiguration {
  id: string;
  tenantId: string;
  displayName: string;
  priority: number;
  properties: Record<string, unknown>;
  version: number;
  createdAt: string;
  modifiedAt: string;
}

export interface StoredTarget {
  id: string;
  target: Record<string, unknown>;
}

export type Deployment = {
  id: string;
  tenantId: string;
  enrollmentId: string;
  azureAdDeviceId: string;
  userId: string | null;
  upn: string | null;
  enrollmentType: AutopilotEnrollmentType;
  serialNumber: string | null;
  deviceName: string | null;
  osVersion: string | null;
  espId: string | null;
  espName: string | null;
  state: 'inProgress' | 'success' | 'failure';
  deviceSetupStatus: PhaseStatus;
  accountSetupStatus: PhaseStatus;
  timeoutMinutes: number;
  blockingApps: { device: string[]; user: string[] };
  startedAt: string;
  deviceSetupEndedAt: string | null;
  /** When account setup began, if not at the end of device setup: a pre-provisioned device's user's first session. */
  accountSetupStartedAt: string | null;
  endedAt: string | null;
  failureCode: string | null;
  failureAppId: string | null;
  failureText: string | null;
  traceId: string | null;
  updatedAt: string;
};

/**
 * Graph's windowsAutopilotEnrollmentType members Baton's deployments take: user-driven, a
 * device that enrolled alone (self-deploying), and pre-provisioning ("white glove"), which
 * enrolls alone and is then finished by its user.
 */
export type AutopilotEnrollmentType = 'azureADJoinedWithAutopilotProfile' | 'azureADJoinedUsingDeviceAuthWithAutopilotProfile' | 'azureADJoinedWithWhiteGlove';

/** Graph's windowsAutopilotDeploymentState members that a phase can be in. */
export type PhaseStatus = 'notAttempted' | 'inProgress' | 'success' | 'failure';

export type DeploymentPatch = Partial<Omit<Deployment, 'id' | 'tenantId' | 'enrollmentId'>>;

export interface CommandOutcome {
  status: QueueStatus;
  statusCode: string | null;
}

/** What `$filter` may name on autopilotEvents. */
export const DEPLOYMENT_FILTER_PROPERTIES: ODataPropertyMap = {
  id: { column: 'id', type: 'string' },
  deviceId: { column: 'enrollment_id', type: 'string' },
  deviceSerialNumber: { column: 'serial_number', type: 'string', caseInsensitive: true },
  managedDeviceName: { column: 'device_name', type: 'string', caseInsensitive: true },
  userPrincipalName: { column: 'upn', type: 'string', caseInsensitive: true },
  deploymentState: { column: 'state', type: 'string' },
  deploymentStartDateTime: { column: 'started_at', type: 'datetime' },
  eventDateTime: { column: 'updated_at', type: 'datetime' },
};

export class AppsStore {
  constructor(
    readonly db: Kysely<AppsDatabase>,
    readonly dialect: Dialect,
  ) {}

  transaction<T>(fn: (store: AppsStore) => Promise<T>): Promise<T> {
    if ((this.db as unknown as { isTransaction?: boolean }).isTransaction) return fn(this);
    return this.db.transaction().execute((trx: Transaction<AppsDatabase>) => fn(new AppsStore(trx, this.dialect)));
  }

  // --- apps -------------------------------------------------------------------------------

  async insertApp(app: MobileApp): Promise<void> {
    await this.db
      .insertInto('mobile_apps')
      .values({
        id: app.id,
        tenant_id: app.tenantId,
        app_type: app.type,
        display_name: app.displayName,
        product_code: app.productCode,
        properties: JSON.stringify(app.properties),
        created_at: app.createdAt,
        modified_at: app.modifiedAt,
      })
      .execute();
  }

  async updateApp(app: MobileApp): Promise<void> {
    await this.db
      .updateTable('mobile_apps')
      .set({ display_name: app.displayName, product_code: app.productCode, properties: JSON.stringify(app.properties), modified_at: app.modifiedAt })
      .where('id', '=', app.id)
      .where('tenant_id', '=', app.tenantId)
      .execute();
  }

  async deleteApp(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('mobile_apps').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async getApp(tenantId: string, id: string): Promise<MobileApp | undefined> {
    const row = await this.db.selectFrom('mobile_apps').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row ? toApp(row) : undefined;
  }

  async listApps(tenantId: string): Promise<MobileApp[]> {
    const rows = await this.db.selectFrom('mobile_apps').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toApp);
  }

  async replaceAppAssignments(tenantId: string, appId: string, assignments: StoredAppAssignment[]): Promise<void> {
    await this.db.deleteFrom('mobile_app_assignments').where('app_id', '=', appId).execute();
    if (assignments.length > 0) await this.db.insertInto('mobile_app_assignments').values(assignments.map((a) => assignmentRow(tenantId, a))).execute();
  }

  async addAppAssignment(tenantId: string, assignment: StoredAppAssignment): Promise<void> {
    await this.db.insertInto('mobile_app_assignments').values(assignmentRow(tenantId, assignment)).execute();
  }

  async deleteAppAssignment(appId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('mobile_app_assignments').where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listAppAssignments(tenantId: string, appId?: string): Promise<StoredAppAssignment[]> {
    let q = this.db.selectFrom('mobile_app_assignments').selectAll().where('tenant_id', '=', tenantId);
    if (appId) q = q.where('app_id', '=', appId);
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, appId: r.app_id, intent: r.intent, target: parseJsonOr(r.target, {}), settings: parseJsonOr(r.settings, null) }));
  }

  // --- installs ---------------------------------------------------------------------------

  async installsOf(enrollmentId: string): Promise<AppInstall[]> {
    const rows = await this.db.selectFrom('app_installs').selectAll().where('enrollment_id', '=', enrollmentId).orderBy('app_id').execute();
    return rows.map(toInstall);
  }

  /** An app's install states with the device each belongs to. */
  async installsOfApp(tenantId: string, appId: string): Promise<Array<AppInstall & { device: { name: string | null; upn: string | null; osVersion: string | null; lastSyncAt: string | null } }>> {
    const rows = await this.db
      .selectFrom('app_installs as i')
      .innerJoin('enrollments as e', 'e.id', 'i.enrollment_id')
      .selectAll('i')
      .select(['e.device_name', 'e.upn', 'e.os_version', 'e.last_sync_at'])
      .where('i.tenant_id', '=', tenantId)
      .where('i.app_id', '=', appId)
      .orderBy('i.enrollment_id')
      .execute();
    return rows.map((r) => ({ ...toInstall(r), device: { name: r.device_name, upn: r.upn, osVersion: r.os_version, lastSyncAt: r.last_sync_at } }));
  }

  async putInstall(i: AppInstall): Promise<void> {
    const row: AppInstallsTable = {
      enrollment_id: i.enrollmentId,
      app_id: i.appId,
      tenant_id: i.tenantId,
      user_id: i.userId,
      intent: i.intent,
      state: i.state,
      csp_status: i.cspStatus,
      error_code: i.errorCode,
      error_description: i.errorDescription,
      attempts: i.attempts,
      next_attempt_at: i.nextAttemptAt,
      command_id: i.commandId,
      updated_at: i.updatedAt,
    };
    const { enrollment_id: _e, app_id: _a, ...rest } = row;
    await this.db
      .insertInto('app_installs')
      .values(row)
      .onConflict((oc) => oc.columns(['enrollment_id', 'app_id']).doUpdateSet(rest))
      .execute();
  }

  /** Appends single-item commands to the enrollment's queue; returns their ids in order. */
  async queueCommands(enrollmentId: string, commands: readonly ItemCommand[], at: string): Promise<string[]> {
    if (commands.length === 0) return [];
    const tail = await this.db.selectFrom('command_queue').select((eb) => eb.fn.max('position').as('last')).where('enrollment_id', '=', enrollmentId).executeTakeFirst();
    const last = Number(tail?.last ?? 0);
    const rows = commands.map((c) => ({ id: randomUUID(), verb: c.verb, loc_uri: c.locUri, payload: JSON.stringify(c.payload ?? {}), created_at: at }));
    await this.db.insertInto('commands').values(rows).execute();
    await this.db
      .insertInto('command_queue')
      .values(
        rows.map((c, i) => ({
          enrollment_id: enrollmentId,
          command_id: c.id,
          position: last + 1 + i,
          status: 'queued' as const,
          session_id: null,
          msg_id: null,
          cmd_id: null,
          status_code: null,
          result: null,
          updated_at: at,
        })),
      )
      .execute();
    return rows.map((r) => r.id);
  }

  /** Queued Gets of these LocURIs not yet answered, so a poll is not asked twice. */
  async pendingGets(enrollmentId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('command_queue as q')
      .innerJoin('commands as c', 'c.id', 'q.command_id')
      .select('c.loc_uri')
      .where('q.enrollment_id', '=', enrollmentId)
      .where('q.status', 'in', ['queued', 'sent'])
      .where('c.verb', '=', 'Get')
      .execute();
    return new Set(rows.map((r) => r.loc_uri));
  }

  async commandOutcomes(enrollmentId: string, commandIds: readonly string[]): Promise<Map<string, CommandOutcome>> {
    if (commandIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('command_queue')
      .select(['command_id', 'status', 'status_code'])
      .where('enrollment_id', '=', enrollmentId)
      .where('command_id', 'in', [...commandIds])
      .execute();
    return new Map(rows.map((r) => [r.command_id, { status: r.status, statusCode: r.status_code }]));
  }

  // --- ESP configurations -----------------------------------------------------------------

  async insertEsp(c: EspConfiguration): Promise<void> {
    await this.db
      .insertInto('esp_configurations')
      .values({ id: c.id, tenant_id: c.tenantId, display_name: c.displayName, priority: c.priority, properties: JSON.stringify(c.properties), version: c.version, created_at: c.createdAt, modified_at: c.modifiedAt })
      .execute();
  }

  async updateEsp(c: EspConfiguration): Promise<void> {
    await this.db
      .updateTable('esp_configurations')
      .set({ display_name: c.displayName, priority: c.priority, properties: JSON.stringify(c.properties), version: c.version, modified_at: c.modifiedAt })
      .where('id', '=', c.id)
      .where('tenant_id', '=', c.tenantId)
      .execute();
  }

  async deleteEsp(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('esp_configurations').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async getEsp(tenantId: string, id: string): Promise<EspConfiguration | undefined> {
    const row = await this.db.selectFrom('esp_configurations').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row ? toEsp(row) : undefined;
  }

  async listEsps(tenantId: string): Promise<EspConfiguration[]> {
    const rows = await this.db.selectFrom('esp_configurations').selectAll().where('tenant_id', '=', tenantId).orderBy('priority').orderBy('created_at').execute();
    return rows.map(toEsp);
  }

  async replaceEspAssignments(tenantId: string, configurationId: string, targets: StoredTarget[]): Promise<void> {
    await this.db.deleteFrom('esp_assignments').where('configuration_id', '=', configurationId).execute();
    if (targets.length > 0) {
      await this.db
        .insertInto('esp_assignments')
        .values(targets.map((t) => ({ id: t.id, configuration_id: configurationId, tenant_id: tenantId, target: JSON.stringify(t.target) })))
        .execute();
    }
  }

  async listEspAssignments(tenantId: string, configurationId?: string): Promise<Array<StoredTarget & { configurationId: string }>> {
    let q = this.db.selectFrom('esp_assignments').selectAll().where('tenant_id', '=', tenantId);
    if (configurationId) q = q.where('configuration_id', '=', configurationId);
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, configurationId: r.configuration_id, target: parseJsonOr(r.target, {}) }));
  }

  // --- deployments ------------------------------------------------------------------------

  async insertDeployment(d: Deployment): Promise<void> {
    await this.db.insertInto('deployments').values(deploymentRow(d) as DeploymentsTable).execute();
  }

  async updateDeployment(id: string, patch: DeploymentPatch): Promise<void> {
    const row = deploymentRow(patch as Deployment);
    const set = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined));
    if (Object.keys(set).length > 0) await this.db.updateTable('deployments').set(set).where('id', '=', id).execute();
  }

  async deploymentOf(enrollmentId: string): Promise<Deployment | undefined> {
    const row = await this.db.selectFrom('deployments').selectAll().where('enrollment_id', '=', enrollmentId).orderBy('started_at', 'desc').executeTakeFirst();
    return row ? toDeployment(row) : undefined;
  }

  async getDeployment(tenantId: string, id: string): Promise<Deployment | undefined> {
    const row = await this.db.selectFrom('deployments').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row ? toDeployment(row) : undefined;
  }

  async listDeployments(tenantId: string, query: { filter?: FilterNode; top: number; skip: number }): Promise<Deployment[]> {
    let q = this.db.selectFrom('deployments').selectAll().where('tenant_id', '=', tenantId);
    q = applyODataFilter(q, query.filter, DEPLOYMENT_FILTER_PROPERTIES, this.dialect);
    const rows = await q.orderBy('started_at', 'desc').orderBy('id').limit(query.top).offset(query.skip).execute();
    return rows.map(toDeployment);
  }
}

function assignmentRow(tenantId: string, a: StoredAppAssignment) {
  return { id: a.id, app_id: a.appId, tenant_id: tenantId, intent: a.intent, target: JSON.stringify(a.target), settings: a.settings === null ? null : JSON.stringify(a.settings) };
}

function toApp(r: AppsDatabase['mobile_apps']): MobileApp {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    type: r.app_type as AppType,
    displayName: r.display_name,
    productCode: r.product_code,
    properties: parseJsonOr(r.properties, {}),
    createdAt: r.created_at,
    modifiedAt: r.modified_at,
  };
}

function toInstall(r: AppInstallsTable): AppInstall {
  return {
    enrollmentId: r.enrollment_id,
    appId: r.app_id,
    tenantId: r.tenant_id,
    userId: r.user_id,
    intent: r.intent as AppInstall['intent'],
    state: r.state as AppInstall['state'],
    cspStatus: r.csp_status === null ? null : Number(r.csp_status),
    errorCode: r.error_code,
    errorDescription: r.error_description,
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at,
    commandId: r.command_id,
    updatedAt: r.updated_at,
  };
}

function toEsp(r: AppsDatabase['esp_configurations']): EspConfiguration {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    displayName: r.display_name,
    priority: Number(r.priority),
    properties: parseJsonOr(r.properties, {}),
    version: Number(r.version),
    createdAt: r.created_at,
    modifiedAt: r.modified_at,
  };
}

function deploymentRow(d: Partial<Deployment>): Partial<DeploymentsTable> {
  return {
    id: d.id,
    tenant_id: d.tenantId,
    enrollment_id: d.enrollmentId,
    azure_ad_device_id: d.azureAdDeviceId,
    user_id: d.userId,
    upn: d.upn,
    enrollment_type: d.enrollmentType,
    serial_number: d.serialNumber,
    device_name: d.deviceName,
    os_version: d.osVersion,
    esp_id: d.espId,
    esp_name: d.espName,
    state: d.state,
    device_setup_status: d.deviceSetupStatus,
    account_setup_status: d.accountSetupStatus,
    timeout_minutes: d.timeoutMinutes,
    blocking_apps: d.blockingApps === undefined ? undefined : JSON.stringify(d.blockingApps),
    started_at: d.startedAt,
    device_setup_ended_at: d.deviceSetupEndedAt,
    account_setup_started_at: d.accountSetupStartedAt,
    ended_at: d.endedAt,
    failure_code: d.failureCode,
    failure_app_id: d.failureAppId,
    failure_text: d.failureText,
    trace_id: d.traceId,
    updated_at: d.updatedAt,
  };
}

function toDeployment(r: DeploymentsTable): Deployment {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    enrollmentId: r.enrollment_id,
    azureAdDeviceId: r.azure_ad_device_id,
    userId: r.user_id,
    upn: r.upn,
    // Records from before the column: a userless one enrolled with the device's token.
    enrollmentType: (r.enrollment_type ?? (r.user_id === null ? 'azureADJoinedUsingDeviceAuthWithAutopilotProfile' : 'azureADJoinedWithAutopilotProfile')) as AutopilotEnrollmentType,
    serialNumber: r.serial_number,
    deviceName: r.device_name,
    osVersion: r.os_version,
    espId: r.esp_id,
    espName: r.esp_name,
    state: r.state as Deployment['state'],
    deviceSetupStatus: r.device_setup_status as PhaseStatus,
    accountSetupStatus: r.account_setup_status as PhaseStatus,
    timeoutMinutes: Number(r.timeout_minutes),
    blockingApps: parseJsonOr(r.blocking_apps, { device: [], user: [] }),
    startedAt: r.started_at,
    deviceSetupEndedAt: r.device_setup_ended_at,
    accountSetupStartedAt: r.account_setup_started_at,
    endedAt: r.ended_at,
    failureCode: r.failure_code,
    failureAppId: r.failure_app_id,
    failureText: r.failure_text,
    traceId: r.trace_id,
    updatedAt: r.updated_at,
  };
}
