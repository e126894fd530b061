/**
 * Delivers ComplianceStateReported to identity, which stores the state and enforces it in
 * conditional access: `PUT /identity/v1/devices/{deviceId}/compliance` with management's
 * own application token. Identity applies a report only when its version is newer, so
 * redeliveries and reports that overtake each other are harmless, and messages of one topic
 * can go out several at a time.
 */
import { randomUUID } from 'node:crypto';
import { GRAPH_RESOURCE, IDENTITY_PATHS, type ComplianceStateReported, type DeviceComplianceReport } from '@baton/contracts';
import type { Fetch, OutboxHandler } from '@baton/kit';
import type { TokenSource } from '../targeting/membership.js';

export function complianceReportHandler(options: { identityUrl: () => string; tokens: TokenSource; fetch: Fetch; onGone?: (deviceId: string) => void }): OutboxHandler {
  return async (message) => {
    const event = message.payload as ComplianceStateReported;
    const token = await options.tokens.token(event.tenantId, `${GRAPH_RESOURCE}/.default`);
    const report: DeviceComplianceReport = {
      isCompliant: event.isCompliant,
      isManaged: event.isManaged,
      complianceExpirationDateTime: event.complianceExpirationDateTime ?? null,
      version: event.version,
    };
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'client-request-id': message.id ?? randomUUID(),
    };
    if (message.traceParent) headers.traceparent = message.traceParent;
    const response = await options.fetch(`${options.identityUrl()}${IDENTITY_PATHS.complianceState(encodeURIComponent(event.deviceId))}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(report),
    });
    const detail = (await response.text().catch(() => '')).slice(0, 300);
    // The device object is gone at identity (deleted by an administrator): nothing to store it on.
    if (response.status === 404) {
      options.onGone?.(event.deviceId);
      return;
    }
    if (!response.ok) throw new Error(`identity answered ${response.status} to the compliance state of ${event.deviceId}: ${detail}`);
  };
}
