/**
 * When the placeholder goes to identity again. Identity's device object carries the name of
 * the device's Autopilot profile (enrollmentProfileName), which dynamic groups read, so a
 * change that gives a device another profile, or renames the one it has, queues its
 * placeholder again: a membership change in its own transaction, a tenant-wide change in the
 * pages of its walk (tenant-walk.ts). The queued message is only a pointer: the outbox handler
 * works the name out when it sends.
 */
import { TOPICS } from '@baton/contracts';
import type { AutopilotDevice, OutboxWrite } from '../store/types.js';
import { placeholderMessage } from './registration.js';

export function placeholderResend(device: AutopilotDevice, traceParent?: string): OutboxWrite {
  return { topic: TOPICS.placeholderDeviceRequested, payload: placeholderMessage(device), traceParent };
}

/**
 * Whether identity may hold another name than `name`. A placeholder not delivered yet counts:
 * its pending message may have read the name before this change committed.
 */
export function needsPlaceholder(device: AutopilotDevice, name: string | null): boolean {
  return !device.placeholderDelivered || device.placeholderProfileName !== name;
}
