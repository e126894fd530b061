/**
 * Conditional access at token issuance: every user token passes through here before it is
 * minted. The tenant's policies are evaluated against who signs in, to which application,
 * from which device and how; the decision and every policy's result go to the sign-in log;
 * a refusal throws the OAuth error Entra answers with (AADSTS53003 blocked, 50076 MFA
 * required, 53000 device not compliant, 53001 not domain joined).
 */
import { DRS_RESOURCE, GRAPH_RESOURCE, MDM_RESOURCE } from '@baton/contracts';
import { OAuthError } from '../errors.js';
import type { DeviceRecord, SignInDetails, TenantRecord, UserRecord } from '../store/store.js';
import {
  deviceInfo,
  evaluateConditionalAccess,
  userIdentity,
  type ConditionalAccessDecision,
  type GrantControlName,
  type SignIn,
  type SignInTarget,
} from './conditional-access/index.js';
import type { IdentityDeps } from './deps.js';
import { recordSignIn } from './sign-in-log.js';

/** Application ids conditional access policies name for Baton's resources (Graph's own ids). */
export const RESOURCE_APP_IDS: Readonly<Record<string, string>> = {
  [GRAPH_RESOURCE]: '00000003-0000-0000-c000-000000000000', // Microsoft Graph
  [MDM_RESOURCE]: 'd4ebce55-015a-49b5-a083-c84d1797ae8c', // Microsoft Intune Enrollment
  [DRS_RESOURCE]: '01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9', // Device Registration Service
};

export interface SignInAttempt {
  tenant: TenantRecord;
  user: UserRecord;
  clientId: string;
  resource: string;
  /** The joined device the request proved, if any. */
  device?: DeviceRecord;
  /** Authentication methods of the sign-in (`pwd`, `mfa`, `rsa`…), as the token's `amr`. */
  amr: readonly string[];
  interactive: boolean;
  /** When the user last signed in interactively (ISO): sign-in frequency counts from it. */
  authTime?: string;
  /** Public clients on a device are desktop apps; confidential web apps sign users in through a browser. */
  clientAppType: 'browser' | 'mobileAppsAndDesktopClients';
  authenticationFlow?: 'deviceCodeFlow';
  ipAddress?: string;
  correlationId: string;
}

function targetOf(resource: string): SignInTarget {
  // Joining or registering a device is the "Register or join devices" user action in Entra.
  if (resource === DRS_RESOURCE) return { kind: 'userAction', userAction: 'urn:user:registerdevice' };
  return { kind: 'application', appId: RESOURCE_APP_IDS[resource] ?? resource };
}

function refusal(decision: ConditionalAccessDecision): OAuthError {
  if (decision.decision === 'block') {
    return new OAuthError('invalid_grant', 53003, 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.');
  }
  const first: GrantControlName | undefined = decision.unmetControls[0];
  switch (first) {
    case 'mfa':
      return new OAuthError(
        'interaction_required',
        50076,
        'Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access this resource.',
      );
    case 'compliantDevice':
      return new OAuthError(
        'interaction_required',
        53000,
        'Device is not in required device state: compliant. Conditional Access policy requires a compliant device, and the device is not compliant. The user must enroll their device with an approved MDM provider.',
      );
    case 'domainJoinedDevice':
      return new OAuthError('interaction_required', 53001, 'Device is not in required device state: domain_joined. Conditional Access policy requires a domain joined device, and the device is not domain joined.');
    default:
      return new OAuthError('interaction_required', 53003, `Access has been blocked by Conditional Access policies: the grant control '${first ?? 'unknown'}' is not met.`);
  }
}

/**
 * Docs: with "every time", Entra still allows five minutes of clock skew, so a user is not
 * asked again more than once in five minutes.
 */
const EVERY_TIME_SKEW_S = 300;

/**
 * Sign-in frequency: a silent request (a refresh token redeemed) long after the interactive
 * sign-in it descends from is refused, and the client must sign the user in again. An
 * interactive sign-in is by definition fresh.
 */
function signInTooOld(attempt: SignInAttempt, decision: ConditionalAccessDecision, now: Date): OAuthError | undefined {
  const frequency = decision.signInFrequency;
  if (!frequency || attempt.interactive || !attempt.authTime) return undefined;
  const ageS = (now.getTime() - new Date(attempt.authTime).getTime()) / 1000;
  if (ageS <= Math.max(frequency.seconds, EVERY_TIME_SKEW_S)) return undefined;
  return new OAuthError('invalid_grant', 70044, 'The session has expired or is invalid due to sign-in frequency checks by conditional access.');
}

function logDevice(device: DeviceRecord | undefined): SignInDetails['device'] {
  if (!device) return null;
  return {
    deviceId: device.deviceId,
    displayName: device.displayName,
    operatingSystem: device.operatingSystem,
    isCompliant: device.isCompliant === true,
    isManaged: device.isManaged === true,
    trustType: device.trustType,
  };
}

function details(attempt: SignInAttempt, failureReason: string | null, decision?: ConditionalAccessDecision): SignInDetails {
  return {
    userPrincipalName: attempt.user.upn,
    userDisplayName: attempt.user.displayName,
    appDisplayName: null,
    resourceId: RESOURCE_APP_IDS[attempt.resource] ?? attempt.resource,
    ipAddress: attempt.ipAddress ?? null,
    clientAppUsed: attempt.clientAppType === 'browser' ? 'Browser' : 'Mobile Apps and Desktop clients',
    isInteractive: attempt.interactive,
    correlationId: attempt.correlationId,
    failureReason,
    authenticationMethods: [...attempt.amr],
    device: logDevice(attempt.device),
    appliedConditionalAccessPolicies: (decision?.policies ?? []).map((p) => ({
      id: p.policyId,
      displayName: p.displayName,
      enforcedGrantControls: p.enforcedGrantControls,
      enforcedSessionControls: p.enforcedSessionControls,
      result: p.result,
    })),
  };
}

/** Throws the conditional access error when the sign-in may not have a token; logs it either way. */
export async function enforceConditionalAccess(deps: IdentityDeps, attempt: SignInAttempt): Promise<void> {
  const { tenant, user, device } = attempt;
  const access = await deps.conditionalAccess.get(tenant.id);
  // Groups and roles matter only to policies; a tenant without any skips the lookup.
  const identity = access.policies.length > 0 ? await userIdentity(deps.store, tenant.id, user) : ({ kind: 'user', userId: user.id } as const);
  // A device that never joined (a placeholder) is unregistered to conditional access.
  const joined = device?.trustType ? device : undefined;
  const signIn: SignIn = {
    identity,
    target: targetOf(attempt.resource),
    clientAppType: attempt.clientAppType,
    devicePlatform: joined ? 'windows' : null,
    ipAddress: attempt.ipAddress ?? null,
    device: joined ? deviceInfo(joined) : null,
    authenticationFlow: attempt.authenticationFlow ?? null,
    satisfied: {
      mfa: attempt.amr.includes('mfa'),
      compliantDevice: device?.isCompliant === true,
      domainJoinedDevice: device?.trustType === 'ServerAd',
    },
  };
  const decision = evaluateConditionalAccess(access.policies, access.namedLocations, signIn);
  const applied = decision.policies.some((p) => p.applies && (p.result === 'success' || p.result === 'failure'));
  const refused = decision.decision === 'allow' ? signInTooOld(attempt, decision, deps.now()) : refusal(decision);
  await recordSignIn(
    deps.store,
    {
      tenantId: tenant.id,
      userId: user.id,
      appId: attempt.clientId,
      errorCode: refused ? refused.aadsts : 0,
      conditionalAccessStatus: refused ? 'failure' : applied ? 'success' : 'notApplied',
      details: details(attempt, refused ? refused.message : null, decision),
    },
    deps.now(),
  );
  if (refused) throw refused;
}
