/**
 * Administrator actions on a managed device (Graph's managedDevice actions) and the OMA-DM
 * command each one becomes. Nothing reaches a Windows device except in a session the device
 * opens itself, so every action is a queued command the device receives at its next poll.
 *
 * - rebootNow: Exec ./Device/Vendor/MSFT/Reboot/RebootNow.
 * - wipe: Exec on a RemoteWipe node (the node is the only thing that differs):
 *   useProtectedWipe → doWipeProtected (also cleans the drive; keeps nothing),
 *   keepUserData → doWipePersistUserData (user accounts, data and enrollment survive),
 *   keepEnrollmentData → doWipePersistProvisionedData (Autopilot reset: provisioning data,
 *   enrollment included, is restored after the reset), otherwise doWipe.
 * - retire: Delete ./Device/Vendor/MSFT/DMClient/Provider/<ProviderID>. Removing the
 *   provider that enrollment created is how a server takes its own enrollment off a Windows
 *   device; corporate data the MDM pushed goes with it, the OS and user data stay.
 * - syncDevice: queues nothing. Windows MDM has no push channel here (no WNS), so the
 *   request is recorded and counts as done once the device next completes a session.
 */
import type { CommandPayload, DeviceActionName, Enrollment, ManagementState, NewCommand, StoredDeviceAction } from '../store/store.js';

export const REBOOT_NOW_URI = './Device/Vendor/MSFT/Reboot/RebootNow';
export const REMOTE_WIPE_URI = './Device/Vendor/MSFT/RemoteWipe';
export const DMCLIENT_PROVIDER_URI = './Device/Vendor/MSFT/DMClient/Provider';

export type WipeNode = 'doWipe' | 'doWipeProtected' | 'doWipePersistProvisionedData' | 'doWipePersistUserData';

export interface WipeOptions {
  keepEnrollmentData?: boolean;
  keepUserData?: boolean;
  useProtectedWipe?: boolean;
}

/** Exec nodes take an (empty) chr value on Windows. */
const EXEC_PAYLOAD: CommandPayload = { format: 'chr', data: '' };

export function wipeNode(options: WipeOptions): WipeNode {
  if (options.useProtectedWipe) return 'doWipeProtected';
  if (options.keepUserData) return 'doWipePersistUserData';
  if (options.keepEnrollmentData) return 'doWipePersistProvisionedData';
  return 'doWipe';
}

export function wipeCommand(options: WipeOptions): NewCommand {
  return { verb: 'Exec', locUri: `${REMOTE_WIPE_URI}/${wipeNode(options)}`, payload: EXEC_PAYLOAD };
}

export function rebootCommand(): NewCommand {
  return { verb: 'Exec', locUri: REBOOT_NOW_URI, payload: EXEC_PAYLOAD };
}

export function retireCommand(providerId: string): NewCommand {
  return { verb: 'Delete', locUri: `${DMCLIENT_PROVIDER_URI}/${providerId}` };
}

/** Graph's actionState values Baton produces. */
export type ActionState = 'pending' | 'active' | 'done' | 'failed';

export interface DeviceActionResult {
  actionName: DeviceActionName;
  actionState: ActionState;
  startDateTime: string;
  lastUpdatedDateTime: string;
}

const QUEUE_TO_ACTION: Record<string, ActionState> = { queued: 'pending', sent: 'active', acknowledged: 'done', failed: 'failed' };

export function actionState(action: StoredDeviceAction, lastSyncAt: string | null): ActionState {
  if (action.actionName === 'syncDevice') return lastSyncAt !== null && lastSyncAt >= action.startedAt ? 'done' : 'pending';
  return action.queueStatus ? QUEUE_TO_ACTION[action.queueStatus]! : 'pending';
}

/** One result per action name, the latest request of each, as Graph lists them. */
export function deviceActionResults(actions: StoredDeviceAction[], enrollment: Pick<Enrollment, 'lastSyncAt'>): DeviceActionResult[] {
  const latest = new Map<DeviceActionName, StoredDeviceAction>();
  for (const a of actions) latest.set(a.actionName, a);
  return [...latest.values()].map((a) => {
    const state = actionState(a, enrollment.lastSyncAt);
    const updated = a.actionName === 'syncDevice' ? (state === 'done' ? enrollment.lastSyncAt! : a.startedAt) : (a.queueUpdatedAt ?? a.startedAt);
    return { actionName: a.actionName, actionState: state, startDateTime: a.startedAt, lastUpdatedDateTime: updated };
  });
}

const PENDING: Partial<Record<ManagementState, { action: DeviceActionName; done: ManagementState; failed: ManagementState }>> = {
  wipePending: { action: 'wipe', done: 'wipeIssued', failed: 'wipeFailed' },
  retirePending: { action: 'retire', done: 'retireIssued', failed: 'retireFailed' },
};

/** The state an enrollment moves to once the device has answered its pending wipe or retire. */
export function settledState(state: ManagementState, actions: StoredDeviceAction[]): ManagementState {
  const pending = PENDING[state];
  if (!pending) return state;
  const latest = actions.filter((a) => a.actionName === pending.action).at(-1);
  if (latest?.queueStatus === 'acknowledged') return pending.done;
  if (latest?.queueStatus === 'failed') return pending.failed;
  return state;
}

export function isPendingState(state: ManagementState): boolean {
  return PENDING[state] !== undefined;
}
