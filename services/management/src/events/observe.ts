/**
 * Records management's provisioning events where the device meets management: the answers
 * of the MS-MDE2 endpoints (watched in their scope, so a refusal raised anywhere is
 * recorded with the fault subcode the device got) and each OMA-DM message (recorded by the
 * session route, which alone knows the enrollment behind it).
 */
import { MANAGEMENT_PATHS } from '@baton/contracts';
import { feedEventId, guidOrNull, thumbprint, traceIdOfHeaders, type EventInput, type FeedEvent } from '@baton/kit';
import { parseRequestSecurityToken, parseSoapFault, type SyncMLMessage, type SyncMLStatus } from '@baton/protocols';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import type { ManagementDeps } from '../deps.js';
import { jwtFromSecurityToken } from '../enrollment/token.js';
import type { SessionOutcome } from '../session/engine.js';
import { inventoryFacts } from '../session/inventory.js';
import type { Enrollment } from '../store/store.js';

const enrolled = new WeakMap<FastifyRequest, Enrollment>();

/** The enrollment route tells the observer which enrollment its answer created. */
export function noteEnrollment(request: FastifyRequest, enrollment: Enrollment): void {
  enrolled.set(request, enrollment);
}

function faultOf(payload: unknown): { subcode: string; reason: string } | undefined {
  if (typeof payload !== 'string' || payload.length > 64 * 1024) return undefined;
  try {
    const fault = parseSoapFault(payload);
    return fault ? { subcode: fault.subcode || fault.code || 'soap_fault', reason: fault.reason.slice(0, 300) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Who a refused enrollment was for. The token is verified before its claims are believed:
 * a refused request must not write events into a tenant it cannot prove it belongs to.
 */
async function claimedDevice(deps: ManagementDeps, request: FastifyRequest): Promise<{ tenantId: string | null; deviceId: string | null; upn: string | null; mdmDeviceId: string | null }> {
  const none = { tenantId: null, deviceId: null, upn: null, mdmDeviceId: null };
  if (typeof request.body !== 'string') return none;
  try {
    const rst = parseRequestSecurityToken(request.body);
    const jwt = jwtFromSecurityToken(rst.headerToken);
    const mdmDeviceId = rst.additionalContext.DeviceID?.slice(0, 128) ?? null;
    try {
      const claims = await deps.enrollmentTokens.verify(jwt);
      return { tenantId: claims.tid.toLowerCase(), deviceId: guidOrNull(claims.deviceid), upn: claims.upn ?? null, mdmDeviceId };
    } catch {
      // Not a token identity signed for us: recorded without a tenant, the unverified device id kept as a clue.
      return { ...none, deviceId: guidOrNull(decodeJwt(jwt).deviceid), mdmDeviceId };
    }
  } catch {
    return none;
  }
}

/** Adds the recording hook to the scope of the MS-MDE2 endpoints. */
export function observeEnrollmentEvents(app: FastifyInstance, deps: ManagementDeps): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'POST') return payload;
    const route = request.routeOptions.url;
    if (route !== MANAGEMENT_PATHS.discovery && route !== MANAGEMENT_PATHS.enrollment) return payload;
    const traceId = traceIdOfHeaders(request.headers);
    const fault = reply.statusCode >= 400 ? (faultOf(payload) ?? { subcode: `http_${reply.statusCode}`, reason: '' }) : undefined;
    let input: EventInput;
    if (route === MANAGEMENT_PATHS.discovery) {
      // Discover names a user, not a device: the trace id is what ties it to the device.
      input = { type: 'mdmDiscovery', phase: 'mdmDiscovery', outcome: fault ? 'failure' : 'success', tenantId: null, traceId, errorCode: fault?.subcode ?? null, detail: fault ? { reason: fault.reason } : {} };
    } else {
      const enrollment = enrolled.get(request);
      if (enrollment && !fault) {
        input = {
          type: 'enrollment',
          phase: 'enrollment',
          outcome: 'success',
          tenantId: enrollment.tenantId,
          traceId,
          azureADDeviceId: enrollment.azureAdDeviceId,
          managedDeviceId: enrollment.id,
          userPrincipalName: enrollment.upn,
          detail: { mdmDeviceId: enrollment.mdmDeviceId },
        };
      } else {
        const who = await claimedDevice(deps, request);
        input = {
          type: 'enrollment',
          phase: 'enrollment',
          outcome: 'failure',
          tenantId: who.tenantId,
          traceId,
          azureADDeviceId: who.deviceId,
          userPrincipalName: who.upn,
          errorCode: fault?.subcode ?? `http_${reply.statusCode}`,
          detail: { mdmDeviceId: who.mdmDeviceId, reason: fault?.reason ?? '', status: reply.statusCode },
        };
      }
    }
    await deps.events.recorder.record(input);
    return payload;
  });
}

/**
 * The device's answers to our commands that report a failure (SyncML 4xx/5xx). A 404 to a
 * Get is the device saying it has no such node, which inventory expects of optional nodes.
 */
export function failedStatuses(message: SyncMLMessage): SyncMLStatus[] {
  return message.commands.filter(
    (c): c is SyncMLStatus => c.kind === 'Status' && c.cmdRef !== '0' && /^[45]\d\d$/.test(c.data) && !(c.cmd === 'Get' && c.data === '404'),
  );
}

function sessionEventBase(traceId: string, enrollment: Enrollment) {
  return {
    phase: 'deviceSetup',
    tenantId: enrollment.tenantId.toLowerCase(),
    traceId,
    azureADDeviceId: enrollment.azureAdDeviceId,
    managedDeviceId: enrollment.id,
    serialNumber: inventoryFacts(enrollment.inventory).serialNumber ?? null,
    userPrincipalName: enrollment.upn,
  };
}

/** One authenticated OMA-DM message: the device's answers that report a failure. */
export async function recordCommandFailures(deps: ManagementDeps, traceId: string, message: SyncMLMessage, enrollment: Enrollment): Promise<void> {
  const failed = failedStatuses(message);
  if (failed.length === 0) return;
  const base = sessionEventBase(traceId, enrollment);
  for (const status of failed) {
    await deps.events.recorder.record({
      ...base,
      type: 'commandStatus',
      outcome: 'failure',
      errorCode: status.data,
      detail: { cmd: status.cmd, target: status.targetRef ?? null, sessionId: message.header.sessionId.slice(0, 32), msgRef: status.msgRef, cmdRef: status.cmdRef },
    });
  }
}

/**
 * The event of a session this message ended. The session route writes it in the session's
 * own transaction: one commit per poll rather than two, on the path every device takes
 * several times a day.
 */
export function sessionEndedEvent(traceId: string, message: SyncMLMessage, enrollment: Enrollment, outcome: Pick<SessionOutcome, 'state'>, at = new Date()): FeedEvent {
  return {
    ...sessionEventBase(traceId, enrollment),
    id: feedEventId(at.getTime()),
    occurredDateTime: at.toISOString(),
    type: 'omadmSession',
    outcome: 'success',
    ztdId: null,
    errorCode: null,
    detail: { sessionId: message.header.sessionId.slice(0, 32), state: outcome.state },
  };
}

/**
 * An OMA-DM message the session route refused: who it claimed to be and why. A certificate
 * of one of our enrollments (say, expired) was proven on the TLS handshake, so its
 * enrollment's tenant may read the event; anything else belongs to no tenant. A message
 * refused after its device was authenticated names that enrollment itself.
 */
export async function recordRejectedMessage(
  deps: ManagementDeps,
  request: FastifyRequest,
  message: SyncMLMessage,
  rejection: { status: string; reason: string; certPem?: string; enrollment?: Enrollment },
): Promise<void> {
  const source = message.header.source.slice(0, 128);
  let enrollment = rejection.enrollment;
  if (!enrollment && rejection.certPem) {
    try {
      const found = await deps.store.getEnrollmentByThumbprint(thumbprint(rejection.certPem));
      if (found?.mdmDeviceId === message.header.source) enrollment = found;
    } catch {
      enrollment = undefined;
    }
  }
  await deps.events.recorder.record({
    type: 'omadmSession',
    phase: 'deviceSetup',
    outcome: 'failure',
    tenantId: enrollment?.tenantId ?? null,
    traceId: traceIdOfHeaders(request.headers),
    azureADDeviceId: enrollment?.azureAdDeviceId ?? null,
    managedDeviceId: enrollment?.id ?? null,
    userPrincipalName: enrollment?.upn ?? null,
    errorCode: rejection.status,
    detail: { reason: rejection.reason, mdmDeviceId: source },
  });
}

/**
 * After a session's facts were evaluated: a device found noncompliant is a finding of its
 * provisioning (the ESP passed, yet conditional access will refuse it), recorded with the
 * settings that failed, what the device reported and what the policy expects. Recorded on
 * every evaluated session while it lasts, so the latest attempt of a device still shows it.
 */
export async function recordComplianceVerdict(deps: ManagementDeps, request: FastifyRequest, enrollment: Enrollment): Promise<void> {
  const compliance = (await deps.complianceStore.complianceOf([enrollment.id])).get(enrollment.id);
  if (compliance?.state !== 'noncompliant') return;
  const failing = compliance.policies
    .filter((p) => p.state === 'nonCompliant')
    .map((p) => ({
      policyId: p.policyId,
      settings: p.settings
        .filter((s) => s.state === 'nonCompliant')
        .map((s) => ({ settingName: s.settingName, currentValue: s.currentValue, expectedValue: s.expectedValue })),
    }));
  await deps.events.recorder.record({
    type: 'compliance',
    phase: 'deviceSetup',
    outcome: 'failure',
    tenantId: enrollment.tenantId,
    traceId: traceIdOfHeaders(request.headers),
    azureADDeviceId: enrollment.azureAdDeviceId,
    managedDeviceId: enrollment.id,
    serialNumber: inventoryFacts(enrollment.inventory).serialNumber ?? null,
    userPrincipalName: enrollment.upn,
    errorCode: 'noncompliant',
    detail: { state: compliance.state, policies: failing },
  });
}
