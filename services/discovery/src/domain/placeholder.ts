/**
 * Delivers the Autopilot placeholder to identity, which owns device objects. Identity
 * upserts on the device id, so a second delivery (the outbox after a lookup already sent
 * it, or a retry after a lost answer) is harmless.
 */
import { createHash, randomUUID } from 'node:crypto';
import { GRAPH_RESOURCE } from '@baton/contracts';
import type { Fetch, OutboxHandler } from '@baton/kit';
import type { AutopilotDevice, DiscoveryStore } from '../store/types.js';
import type { TokenSource } from './organization.js';
import { placeholderMessage, type PlaceholderMessage } from './registration.js';

/** Resolves to the device id identity's object carries (it differs when the device joined first). */
export type PlaceholderSender = (message: PlaceholderMessage, options?: { requestId?: string; traceParent?: string | null }) => Promise<string>;

export function placeholderBody(message: PlaceholderMessage): Record<string, unknown> {
  const physicalIds = [`[ZTDID]:${message.ztdId}`];
  if (message.groupTag) physicalIds.push(`[OrderID]:${message.groupTag}`);
  if (message.purchaseOrderId) physicalIds.push(`[PurchaseOrderId]:${message.purchaseOrderId}`);
  // Autopilot registers corporate devices: Entra shows their placeholders as company-owned.
  const body: Record<string, unknown> = { displayName: message.displayName, physicalIds, operatingSystem: 'Windows', accountEnabled: true, deviceOwnership: 'Company' };
  // Null is sent, not left out: a device whose profile was unassigned loses the name at identity.
  if (message.enrollmentProfileName !== undefined) body.enrollmentProfileName = message.enrollmentProfileName;
  return body;
}

/**
 * What identity holds once it accepted `message`: its body and the device id its object
 * carries (identity's answer, which differs when a join made the object first).
 */
export function placeholderDigest(message: PlaceholderMessage, acceptedDeviceId = message.azureActiveDirectoryDeviceId): string {
  return createHash('sha256').update(JSON.stringify([acceptedDeviceId.toLowerCase(), placeholderBody(message)])).digest('base64url');
}

/**
 * PATCHes the placeholder; any answer but 2xx throws, so the caller retries. A 200 means
 * identity merged it into the object a join already made: that object's device id wins.
 */
export function createPlaceholderSender(options: { identityUrl: string; tokens: TokenSource; fetch: Fetch }): PlaceholderSender {
  return async (message, ids = {}) => {
    const token = await options.tokens.token(message.tenantId, `${GRAPH_RESOURCE}/.default`);
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      prefer: 'create-if-missing',
      'client-request-id': ids.requestId ?? randomUUID(),
    };
    if (ids.traceParent) headers.traceparent = ids.traceParent;
    const url = `${options.identityUrl}/graph/v1.0/devices(deviceId='${encodeURIComponent(message.azureActiveDirectoryDeviceId)}')`;
    const response = await options.fetch(url, { method: 'PATCH', headers, body: JSON.stringify(placeholderBody(message)) });
    if (!response.ok) {
      const detail = (await response.text().catch(() => '')).slice(0, 300);
      throw new Error(`identity answered ${response.status} to the placeholder for ${message.ztdId}: ${detail}`);
    }
    if (response.status === 200) {
      const body = (await response.json().catch(() => ({}))) as { deviceId?: unknown };
      if (typeof body.deviceId === 'string' && /^[0-9a-f-]{36}$/i.test(body.deviceId)) return body.deviceId.toLowerCase();
    }
    await response.body?.cancel().catch(() => undefined);
    return message.azureActiveDirectoryDeviceId;
  };
}

/**
 * The outbox side: send the device as it is NOW, then remember that identity has it.
 * Messages can be retried out of order (a groupTag change after a failed delivery), so
 * the payload written at enqueue time is only a pointer; re-reading the device makes a
 * late retry send current state instead of undoing a newer change. The profile name is
 * worked out here too, from the assignments and memberships as they are now. A deleted device
 * has nothing left to send, and a device whose placeholder identity already accepted exactly as
 * it would be sent now (a second copy queued while the first was pending) needs nothing either.
 */
export function placeholderOutboxHandler(
  send: PlaceholderSender,
  store: Pick<DiscoveryStore, 'markPlaceholderDelivered' | 'getDevice'>,
  profileNameOf: (device: AutopilotDevice) => Promise<string | null>,
): OutboxHandler {
  return async (outbox) => {
    const written = outbox.payload as PlaceholderMessage;
    const device = await store.getDevice(written.tenantId, written.ztdId);
    if (!device) return;
    const enrollmentProfileName = await profileNameOf(device);
    const message = { ...placeholderMessage(device), enrollmentProfileName };
    if (device.placeholderDelivered && device.placeholderDigest === placeholderDigest(message)) return;
    const deviceId = await send(message, { requestId: outbox.id, traceParent: outbox.traceParent });
    await store.markPlaceholderDelivered(device.id, deviceId, enrollmentProfileName, placeholderDigest(message, deviceId));
  };
}
