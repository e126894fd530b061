/**
 * Apps and the Enrollment Status Page as management runs them in a device's OMA-DM sessions.
 *
 * When a session opens: the apps assigned to the device are compared with what it has; a
 * required app it lacks gets an install (Add + Exec DownloadInstall), one being installed gets
 * Gets of its Status and LastError, a failed one is tried again once its backoff has passed, and
 * an app assigned for uninstall gets a Delete. A new enrollment's first session also gets the
 * ESP that applies to it (DMClient FirstSyncStatus) and starts its deployment record.
 *
 * After each message: the device's answers move the install states on, and the deployment's
 * device-setup and account-setup phases are judged: done when every app they block on is
 * installed (the device is then told ServerHasFinishedProvisioning), failed when one of them
 * fails (the installer's code and the app named) or when the ESP's timeout passes.
 *
 * A pre-provisioned device's deployment ends with its technician's device setup, account setup
 * not attempted: there is no user yet. When its user's first session names them
 * (`userLearned`), account setup starts: the user's blocking apps are resolved and the
 * deployment is in progress again until they are installed.
 */
import { randomUUID } from 'node:crypto';
import type { SyncMLMessage } from '@baton/protocols';
import type { EventInput } from '@baton/kit';
import type { Logger } from 'pino';
import type { GroupMembership } from '../targeting/membership.js';
import { needsGroups, targetsDevice, TARGET_TYPES, type AssignmentTarget } from '../targeting/targets.js';
import type { ManagementEvents } from '../events/feed.js';
import { inventoryFacts } from '../session/inventory.js';
import type { Enrollment, ItemCommand } from '../store/store.js';
import { UNENROLLED_STATES } from '../store/store.js';
import { accountSetupApps, espCommands, FIRST_SYNC_NODES, finishedProvisioning, installCommands, parseMsiUri, statusGets, uninstallCommand, type AppScope, type TrackedApp } from './csp.js';
import { espBehaviour } from './esp-configuration.js';
import { applyCommandOutcome, applyReport, dueForRetry } from './installs.js';
import type { MobileApp } from './mobile-app.js';
import type { AppInstall, AppsStore, AutopilotEnrollmentType, Deployment, DeploymentPatch, EspConfiguration, StoredAppAssignment } from './store.js';

/** Windows shows 0x800705B4 (ERROR_TIMEOUT) when the ESP runs out of time. */
export const ESP_TIMEOUT_CODE = '0x800705B4';

export interface AppsOptions {
  store: AppsStore;
  groups: GroupMembership;
  events: ManagementEvents;
  /** Management's public URL, where content URLs point. */
  managementUrl: () => string;
  now?: () => Date;
  logger?: Logger;
}

interface Wanted {
  app: MobileApp;
  intent: 'install' | 'uninstall';
  scope: AppScope;
}

/** Intents that make management act, strongest first: required wins over uninstall. */
const INTENT_PRECEDENCE = ['required', 'uninstall'] as const;
const NO_GROUPS: ReadonlySet<string> = new Set();

export class Apps {
  constructor(private readonly options: AppsOptions) {}

  private get store(): AppsStore {
    return this.options.store;
  }

  private now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  /** Which apps the device should have or not have, by the tenant's assignments. */
  private async wanted(enrollment: Enrollment, assignments: StoredAppAssignment[]): Promise<Map<string, Wanted>> {
    const out = new Map<string, Wanted>();
    if (assignments.length === 0) return out;
    const apps = new Map((await this.store.listApps(enrollment.tenantId)).map((a) => [a.id, a]));
    const targets = assignments.map((a) => a.target as unknown as AssignmentTarget);
    const groups = needsGroups(targets) ? await this.options.groups.groupsOf(deviceOf(enrollment)) : NO_GROUPS;
    const byApp = new Map<string, StoredAppAssignment[]>();
    for (const a of assignments) byApp.set(a.appId, [...(byApp.get(a.appId) ?? []), a]);
    for (const [appId, list] of byApp) {
      const app = apps.get(appId);
      if (!app) continue;
      // An excluded group keeps the app's every intent away from its members.
      const exclusions = list.filter((a) => a.target['@odata.type'] === TARGET_TYPES.exclusionGroup);
      // Available apps wait for the user to ask in Company Portal, which Baton's device does not have.
      for (const intent of INTENT_PRECEDENCE) {
        const own = list.filter((a) => a.intent === intent);
        if (own.length === 0) continue;
        const chosen = [...own, ...exclusions].map((a) => a.target as unknown as AssignmentTarget);
        if (!targetsDevice(chosen, enrollment, groups)) continue;
        // An app assigned to all users follows the user: it goes to the user's part of the tree.
        const forUser = enrollment.userId !== null && own.some((a) => a.target['@odata.type'] === TARGET_TYPES.allLicensedUsers) && !own.some((a) => a.target['@odata.type'] === TARGET_TYPES.allDevices);
        out.set(appId, { app, intent: intent === 'required' ? 'install' : 'uninstall', scope: forUser ? 'user' : 'device' });
        break;
      }
    }
    return out;
  }

  private contentUrl(app: MobileApp): string {
    const file = typeof app.properties.fileName === 'string' && app.properties.fileName ? app.properties.fileName : `${app.id}.msi`;
    return `${this.options.managementUrl()}/deviceAppManagement/content/${app.id}/${encodeURIComponent(file)}`;
  }

  /** Queues the session's app and ESP commands; called before the session's first message is run. */
  async sessionStarting(enrollment: Enrollment, traceId: string): Promise<number> {
    if (UNENROLLED_STATES.includes(enrollment.managementState)) return 0;
    const now = this.now();
    const at = now.toISOString();
    const assignments = await this.store.listAppAssignments(enrollment.tenantId);
    const firstSession = enrollment.lastSyncAt === null;
    if (!firstSession && assignments.length === 0) {
      const latest = await this.store.deploymentOf(enrollment.id);
      if (!latest || latest.state !== 'inProgress' || !latest.espId) return 0;
    }
    const wanted = await this.wanted(enrollment, assignments);
    const esp = firstSession ? await this.espFor(enrollment) : undefined;
    const sink: EventInput[] = [];
    const queuedCount = await this.store.transaction(async (tx) => {
      const installs = new Map((await tx.installsOf(enrollment.id)).map((i) => [i.appId, i]));
      const pendingGets = await tx.pendingGets(enrollment.id);
      const commands: ItemCommand[] = [];
      const rows: Array<{ install: AppInstall; decisive?: number }> = [];
      for (const [appId, w] of wanted) {
        const current = installs.get(appId);
        const userId = w.scope === 'user' ? enrollment.userId : null;
        const base: AppInstall = current ?? {
          enrollmentId: enrollment.id,
          appId,
          tenantId: enrollment.tenantId,
          userId,
          intent: w.intent,
          state: w.intent === 'install' ? 'pendingInstall' : 'notInstalled',
          cspStatus: null,
          errorCode: null,
          errorDescription: null,
          attempts: 0,
          nextAttemptAt: null,
          commandId: null,
          updatedAt: at,
        };
        const productCode = w.app.productCode;
        if (w.intent === 'install') {
          const fresh = !current || current.intent === 'uninstall' || current.state === 'notInstalled';
          if (fresh || dueForRetry(base, now)) {
            const job = installCommands(w.scope, {
              productCode,
              productVersion: String(w.app.properties.productVersion ?? (w.app.properties.msiInformation as { productVersion?: string } | null)?.productVersion ?? w.app.properties.displayVersion ?? ''),
              contentUrl: this.contentUrl(w.app),
              fileHash: '',
              commandLine: String(w.app.properties.commandLine ?? w.app.properties.installCommandLine ?? '/quiet'),
            }, fresh);
            rows.push({
              install: { ...base, userId, intent: 'install', state: 'pendingInstall', cspStatus: null, attempts: fresh ? 1 : base.attempts + 1, nextAttemptAt: null, updatedAt: at },
              decisive: commands.length + job.length - 1,
            });
            commands.push(...job);
          } else if (base.state === 'pendingInstall') {
            for (const get of statusGets(w.scope, productCode)) if (!pendingGets.has(get.locUri)) commands.push(get);
          }
        } else if (!current || (current.intent === 'install' && current.state !== 'notInstalled')) {
          rows.push({ install: { ...base, intent: 'uninstall', attempts: 0, nextAttemptAt: null, updatedAt: at }, decisive: commands.length });
          commands.push(uninstallCommand(w.scope, productCode));
        }
      }

      let deployment = firstSession ? undefined : await tx.deploymentOf(enrollment.id);
      if (firstSession) {
        deployment = await this.startDeployment(tx, enrollment, wanted, esp, traceId, at);
        if (esp?.shown) {
          commands.push(...espCommands({
            deviceApps: deployment.blockingApps.device.map((id) => wanted.get(id)!.app.productCode),
            userApps: deployment.blockingApps.user.map((id) => wanted.get(id)!.app.productCode),
            timeoutMinutes: esp.timeoutMinutes,
            blockInStatusPage: esp.blockInStatusPage,
            allowCollectLogs: esp.allowCollectLogs,
            customErrorText: esp.customErrorText,
            skipUserStatusPage: false,
          }));
        }
      }
      if (deployment?.state === 'inProgress' && deployment.espId) {
        if (this.timedOut(deployment, now)) await this.fail(sink, tx, deployment, enrollment, await this.timeoutFailure(tx, deployment), traceId);
        else if (!pendingGets.has(FIRST_SYNC_NODES.wasDeviceSuccessfullyProvisioned)) commands.push({ verb: 'Get', locUri: FIRST_SYNC_NODES.wasDeviceSuccessfullyProvisioned });
      }

      const ids = await tx.queueCommands(enrollment.id, commands, at);
      for (const r of rows) await tx.putInstall(r.decisive === undefined ? r.install : { ...r.install, commandId: ids[r.decisive]! });
      return commands.length;
    });
    await this.flushEvents(sink);
    return queuedCount;
  }

  /** The ESP that applies to the device: the lowest priority number among those assigned to it. */
  private async espFor(enrollment: Enrollment): Promise<(ReturnType<typeof espBehaviour> & { config: EspConfiguration }) | undefined> {
    const [configs, assignments] = await Promise.all([this.store.listEsps(enrollment.tenantId), this.store.listEspAssignments(enrollment.tenantId)]);
    if (assignments.length === 0) return undefined;
    const targets = assignments.map((a) => a.target as unknown as AssignmentTarget);
    const groups = needsGroups(targets) ? await this.options.groups.groupsOf(deviceOf(enrollment)) : NO_GROUPS;
    for (const config of configs) {
      const own = assignments.filter((a) => a.configurationId === config.id).map((a) => a.target as unknown as AssignmentTarget);
      if (own.length > 0 && targetsDevice(own, enrollment, groups)) return { ...espBehaviour(config), config };
    }
    return undefined;
  }

  private async startDeployment(tx: AppsStore, enrollment: Enrollment, wanted: Map<string, Wanted>, esp: Awaited<ReturnType<Apps['espFor']>>, traceId: string, at: string): Promise<Deployment> {
    const blocking = { device: [] as string[], user: [] as string[] };
    if (esp?.shown) {
      for (const [appId, w] of wanted) {
        if (w.intent !== 'install' || (esp.selectedAppIds.length > 0 && !esp.selectedAppIds.includes(appId))) continue;
        blocking[w.scope].push(appId);
      }
    }
    const facts = inventoryFacts(enrollment.inventory);
    const deployment: Deployment = {
      id: randomUUID(),
      tenantId: enrollment.tenantId,
      enrollmentId: enrollment.id,
      azureAdDeviceId: enrollment.azureAdDeviceId,
      userId: enrollment.userId,
      upn: enrollment.upn,
      enrollmentType: autopilotEnrollmentType(enrollment),
      serialNumber: facts.serialNumber ?? null,
      deviceName: facts.deviceName ?? enrollment.deviceName,
      osVersion: facts.osVersion ?? enrollment.osVersion,
      espId: esp?.shown ? esp.config.id : null,
      espName: esp?.shown ? esp.config.displayName : null,
      state: 'inProgress',
      deviceSetupStatus: 'inProgress',
      accountSetupStatus: 'notAttempted',
      timeoutMinutes: esp?.timeoutMinutes ?? 60,
      blockingApps: blocking,
      startedAt: enrollment.enrolledAt,
      deviceSetupEndedAt: null,
      accountSetupStartedAt: null,
      endedAt: null,
      failureCode: null,
      failureAppId: null,
      failureText: null,
      traceId,
      updatedAt: at,
    };
    await tx.insertDeployment(deployment);
    return deployment;
  }

  /**
   * A device that enrolled alone has learned its user (`enrollment` carries them, primary-user.ts).
   * The deployment record names them; when its account setup has not been attempted (a
   * pre-provisioned device whose technician finished device setup, or is still at it) the
   * user's blocking apps are resolved now: the ESP-tracked required apps that apply with the
   * user and did not block device setup. After device setup the deployment is in progress again,
   * its account setup timed from this moment, and the device is told which apps to wait for.
   * Throws when the user's apps cannot be worked out (their groups unreadable): nothing is
   * written, and the next session tries again.
   */
  async userLearned(enrollment: Enrollment): Promise<void> {
    const deployment = await this.store.deploymentOf(enrollment.id);
    if (!deployment) return;
    const at = this.now().toISOString();
    const patch: DeploymentPatch = { userId: enrollment.userId, upn: enrollment.upn, enrollmentType: 'azureADJoinedWithWhiteGlove', updatedAt: at };
    const commands: ItemCommand[] = [];
    if (deployment.accountSetupStatus === 'notAttempted' && deployment.deviceSetupStatus !== 'failure') {
      const apps = await this.userBlockingApps(enrollment, deployment);
      patch.blockingApps = { device: deployment.blockingApps.device, user: apps.map((a) => a.appId) };
      if (deployment.deviceSetupStatus === 'success') Object.assign(patch, { state: 'inProgress', accountSetupStatus: 'inProgress', accountSetupStartedAt: at, endedAt: null });
      if (deployment.espId && apps.length > 0) commands.push(accountSetupApps(apps));
    }
    await this.store.transaction(async (tx) => {
      await tx.updateDeployment(deployment.id, patch);
      if (commands.length > 0) await tx.queueCommands(enrollment.id, commands, at);
    });
  }

  private async userBlockingApps(enrollment: Enrollment, deployment: Deployment): Promise<Array<TrackedApp & { appId: string }>> {
    const config = deployment.espId ? await this.store.getEsp(enrollment.tenantId, deployment.espId) : undefined;
    const esp = config ? espBehaviour(config) : undefined;
    if (!esp?.shown) return [];
    const wanted = await this.wanted(enrollment, await this.store.listAppAssignments(enrollment.tenantId));
    const out: Array<TrackedApp & { appId: string }> = [];
    for (const [appId, w] of wanted) {
      if (w.intent !== 'install' || deployment.blockingApps.device.includes(appId)) continue;
      if (esp.selectedAppIds.length > 0 && !esp.selectedAppIds.includes(appId)) continue;
      out.push({ appId, scope: w.scope, productCode: w.app.productCode });
    }
    return out;
  }

  private timedOut(d: Deployment, now: Date): boolean {
    const accountSetupStart = d.accountSetupStartedAt ?? d.deviceSetupEndedAt;
    const phaseStart = d.deviceSetupStatus === 'success' && accountSetupStart ? accountSetupStart : d.startedAt;
    return now.getTime() > Date.parse(phaseStart) + d.timeoutMinutes * 60_000;
  }

  /**
   * After a message has been run: the device's reports move install states and the deployment
   * on. `complete` says the session ended with this message.
   */
  async messageProcessed(enrollment: Enrollment, message: SyncMLMessage, traceId: string, complete: boolean): Promise<void> {
    const reports = reportsOf(message);
    const now = this.now();
    // Most messages of most devices concern no app and no deployment in progress: one read, no transaction.
    const [anyInstall, latest] = await Promise.all([this.store.installsOf(enrollment.id), this.store.deploymentOf(enrollment.id)]);
    if (anyInstall.length === 0 && (!latest || latest.state !== 'inProgress')) return;
    const sink: EventInput[] = [];
    await this.store.transaction(async (tx) => {
      const installs = await tx.installsOf(enrollment.id);
      const deployment = await tx.deploymentOf(enrollment.id);
      if (installs.length === 0 && (!deployment || deployment.state !== 'inProgress')) return;
      const outcomes = await tx.commandOutcomes(enrollment.id, installs.flatMap((i) => (i.commandId ? [i.commandId] : [])));
      const apps = new Map((await tx.listApps(enrollment.tenantId)).map((a) => [a.id, a]));
      const next: AppInstall[] = [];
      for (const install of installs) {
        const app = apps.get(install.appId);
        if (!app) continue;
        let updated = install.commandId ? applyCommandOutcome(install, outcomes.get(install.commandId), now) : install;
        const report = reports.apps.get(app.productCode);
        // A Status read can only follow the Exec it reports on: the Gets queue behind it.
        if (report) updated = applyReport(updated, app, report, now);
        if (updated !== install) await tx.putInstall(updated);
        next.push(updated);
      }
      if (deployment?.state === 'inProgress') await this.judge(sink, tx, enrollment, deployment, next, apps, reports.provisioned, traceId, complete, now);
    });
    await this.flushEvents(sink);
  }

  private async judge(
    sink: EventInput[],
    tx: AppsStore,
    enrollment: Enrollment,
    deployment: Deployment,
    installs: AppInstall[],
    apps: Map<string, MobileApp>,
    deviceVerdict: string | undefined,
    traceId: string,
    complete: boolean,
    now: Date,
  ): Promise<void> {
    const at = now.toISOString();
    const patch: DeploymentPatch = { updatedAt: at };
    // The serial number and name arrive with the first session's inventory.
    if (!deployment.serialNumber || !deployment.deviceName) {
      const fresh = await this.freshFacts(tx, enrollment);
      if (fresh.serialNumber) patch.serialNumber = fresh.serialNumber;
      if (fresh.deviceName) patch.deviceName = fresh.deviceName;
      if (fresh.osVersion) patch.osVersion = fresh.osVersion;
    }
    const state = new Map(installs.map((i) => [i.appId, i]));
    const phase = deployment.deviceSetupStatus === 'inProgress' ? 'device' : 'user';
    const blocking = deployment.blockingApps[phase];
    const failedApp = blocking.find((id) => state.get(id)?.state === 'failed');
    if (failedApp) {
      const install = state.get(failedApp)!;
      const name = apps.get(failedApp)?.displayName ?? failedApp;
      const code = install.errorCode ?? 'unknown';
      await tx.updateDeployment(deployment.id, patch);
      await this.fail(sink, tx, { ...deployment, ...patch }, enrollment, { code, appId: failedApp, text: `The app '${name}' failed to install (${code}).` }, traceId);
      return;
    }
    if (deviceVerdict === '0') {
      await tx.updateDeployment(deployment.id, patch);
      await this.fail(sink, tx, { ...deployment, ...patch }, enrollment, await this.timeoutFailure(tx, deployment, installs), traceId);
      return;
    }
    const done = deployment.espId === null ? complete : blocking.every((id) => state.get(id)?.state === 'installed');
    if (!done) {
      await tx.updateDeployment(deployment.id, patch);
      return;
    }
    const commands: ItemCommand[] = [];
    if (phase === 'device') {
      patch.deviceSetupStatus = 'success';
      patch.deviceSetupEndedAt = at;
      if (deployment.espId) commands.push(finishedProvisioning('device'));
      this.record(sink, enrollment, traceId, 'espDeviceSetup', 'deviceSetup', { ...deployment, ...patch }, null);
      if (awaitsItsUser(enrollment)) {
        // The technician's half is done and the device is resealed; account setup is its user's.
        Object.assign(patch, { state: 'success', endedAt: at });
        await tx.updateDeployment(deployment.id, patch);
        await tx.queueCommands(enrollment.id, commands, at);
        return;
      }
      if (deployment.blockingApps.user.length > 0) {
        patch.accountSetupStatus = 'inProgress';
        await tx.updateDeployment(deployment.id, patch);
        await tx.queueCommands(enrollment.id, commands, at);
        return;
      }
    }
    if (deployment.espId) commands.push(finishedProvisioning('user'));
    patch.accountSetupStatus = 'success';
    patch.state = 'success';
    patch.endedAt = at;
    await tx.updateDeployment(deployment.id, patch);
    await tx.queueCommands(enrollment.id, commands, at);
    if (phase === 'user') this.record(sink, enrollment, traceId, 'espAccountSetup', 'accountSetup', { ...deployment, ...patch }, null);
  }

  private async timeoutFailure(tx: AppsStore, deployment: Deployment, known?: AppInstall[]): Promise<{ code: string; appId: string | null; text: string }> {
    const installs = known ?? (await tx.installsOf(deployment.enrollmentId));
    const phase = deployment.deviceSetupStatus === 'inProgress' ? 'device' : 'user';
    const waiting = deployment.blockingApps[phase].find((id) => installs.find((i) => i.appId === id)?.state !== 'installed') ?? null;
    const name = waiting ? ((await tx.getApp(deployment.tenantId, waiting))?.displayName ?? waiting) : null;
    return {
      code: ESP_TIMEOUT_CODE,
      appId: waiting,
      text: `Setup did not finish within ${deployment.timeoutMinutes} minutes${name ? `; still waiting for the app '${name}'` : ''}.`,
    };
  }

  private async fail(sink: EventInput[], tx: AppsStore, deployment: Deployment, enrollment: Enrollment, failure: { code: string; appId: string | null; text: string }, traceId: string): Promise<void> {
    const at = this.now().toISOString();
    const patch: DeploymentPatch = { state: 'failure', endedAt: at, updatedAt: at, failureCode: failure.code, failureAppId: failure.appId, failureText: failure.text };
    const device = deployment.deviceSetupStatus === 'inProgress';
    if (device) patch.deviceSetupStatus = 'failure';
    else patch.accountSetupStatus = 'failure';
    await tx.updateDeployment(deployment.id, patch);
    const app = failure.appId ? await tx.getApp(deployment.tenantId, failure.appId) : undefined;
    this.record(sink, enrollment, traceId, device ? 'espDeviceSetup' : 'espAccountSetup', device ? 'deviceSetup' : 'accountSetup', { ...deployment, ...patch }, { ...failure, appName: app?.displayName ?? null, productCode: app?.productCode ?? null });
  }

  private async freshFacts(tx: AppsStore, enrollment: Enrollment): Promise<{ serialNumber?: string; deviceName?: string; osVersion?: string }> {
    const row = await tx.db.selectFrom('enrollments').select('inventory').where('id', '=', enrollment.id).executeTakeFirst();
    try {
      return inventoryFacts(JSON.parse(row?.inventory ?? '{}') as Record<string, string>);
    } catch {
      return {};
    }
  }

  /** Events wait for the transaction to commit: the feed is written through another connection. */
  private async flushEvents(sink: EventInput[]): Promise<void> {
    for (const input of sink) await this.options.events.recorder.record(input);
  }

  private record(
    sink: EventInput[],
    enrollment: Enrollment,
    traceId: string,
    type: string,
    phase: string,
    deployment: Deployment,
    failure: { code: string; appId: string | null; text: string; appName: string | null; productCode: string | null } | null,
  ): void {
    sink.push({
      type,
      phase,
      outcome: failure ? 'failure' : 'success',
      tenantId: enrollment.tenantId,
      traceId,
      azureADDeviceId: enrollment.azureAdDeviceId,
      managedDeviceId: enrollment.id,
      serialNumber: deployment.serialNumber,
      userPrincipalName: enrollment.upn,
      errorCode: failure?.code ?? null,
      detail: {
        deploymentId: deployment.id,
        enrollmentStatusPage: deployment.espName,
        ...(failure ? { blockingItem: failure.appName, appId: failure.appId, productCode: failure.productCode, reason: failure.text } : {}),
      },
    });
  }
}

/** The values a message brought back for the CSP nodes apps and the ESP are judged by. */
export function reportsOf(message: SyncMLMessage): { apps: Map<string, { status?: number; lastError?: string; lastErrorDesc?: string }>; provisioned?: string } {
  const apps = new Map<string, { status?: number; lastError?: string; lastErrorDesc?: string }>();
  let provisioned: string | undefined;
  for (const cmd of message.commands) {
    if (cmd.kind !== 'Results') continue;
    for (const item of cmd.items) {
      const uri = item.source ?? item.target ?? '';
      const data = (item.data ?? '').trim();
      if (uri.endsWith('/FirstSyncStatus/WasDeviceSuccessfullyProvisioned')) {
        provisioned = data;
        continue;
      }
      const node = parseMsiUri(uri);
      if (!node) continue;
      const entry = apps.get(node.productCode) ?? {};
      if (node.leaf === 'Status' && /^\d{1,3}$/.test(data)) entry.status = Number(data);
      else if (node.leaf === 'LastError') entry.lastError = data.slice(0, 64);
      else if (node.leaf === 'LastErrorDesc') entry.lastErrorDesc = data.slice(0, 500);
      else continue;
      apps.set(node.productCode, entry);
    }
  }
  return { apps, ...(provisioned !== undefined ? { provisioned } : {}) };
}

/**
 * Graph's enrollmentType of a deployment. A device that enrolled alone is pre-provisioned when
 * identity's token said so; an enrollment from before identity did reads self-deploying until
 * a user finishes it (primary-user.ts).
 */
export function autopilotEnrollmentType(enrollment: Pick<Enrollment, 'deviceAuth' | 'autopilotMode'>): AutopilotEnrollmentType {
  if (!enrollment.deviceAuth) return 'azureADJoinedWithAutopilotProfile';
  return enrollment.autopilotMode === 'preProvisioned' ? 'azureADJoinedWithWhiteGlove' : 'azureADJoinedUsingDeviceAuthWithAutopilotProfile';
}

/** A pre-provisioned device before its user: its deployment stops after device setup. */
function awaitsItsUser(enrollment: Enrollment): boolean {
  return enrollment.autopilotMode === 'preProvisioned' && enrollment.userId === null;
}

function deviceOf(e: Enrollment) {
  return {
    id: e.id,
    tenantId: e.tenantId,
    azureAdDeviceId: e.azureAdDeviceId,
    userId: e.userId,
    deviceName: e.deviceName,
    upn: e.upn,
    model: e.inventory['DevInfo/Mod'] ?? null,
    managementState: e.managementState,
  };
}
