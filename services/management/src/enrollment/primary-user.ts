/**
 * How management learns who uses a device that enrolled alone. Once a user has logged on,
 * Windows' OMA-DM client puts that user's Entra token in package 1 of each session (generic
 * Alert 1224 of type com.microsoft/MDM/AADUserToken, "Microsoft Entra integration with MDM").
 * A pre-provisioned device (enrolled with its own token by its technician) with no user yet
 * takes the first verified one as its primary user, as Intune shows it on the managed device,
 * and its account setup starts (Apps.userLearned). A self-deploying device never takes one:
 * Intune shows none for shared devices, whoever signs in to them. Which of the two a device
 * is, identity's enrollment token said (AUTOPILOT_MODE_CLAIM); an enrollment made before it
 * did is taken for pre-provisioned once a user's token arrives, as Baton did then.
 *
 * A token that does not verify, is another tenant's, is not a user's or names another device
 * changes nothing: the session goes on as one without a user, as Windows' guidance asks of a
 * server when the token is missing.
 */
import { AAD_USER_TOKEN_ALERT_TYPE, AlertCode, type SyncMLMessage } from '@baton/protocols';
import type { AccessTokenClaims } from '@baton/kit';
import type { ManagementDeps } from '../deps.js';
import type { Enrollment, PrimaryUser } from '../store/store.js';

/** Far beyond any token identity issues; a bigger alert is not read. */
const MAX_TOKEN_CHARS = 16 * 1024;

/** The user token the message's package 1 carries, if any. */
export function userTokenOf(message: SyncMLMessage): string | undefined {
  for (const cmd of message.commands) {
    if (cmd.kind !== 'Alert' || cmd.data !== AlertCode.Generic) continue;
    const item = cmd.items.find((i) => i.meta?.type?.trim().toLowerCase() === AAD_USER_TOKEN_ALERT_TYPE.toLowerCase());
    const token = item?.data?.trim();
    if (token && token.length <= MAX_TOKEN_CHARS) return token;
  }
  return undefined;
}

/** The user a verified token names, when it is a user's token for this very device. */
export function userOfToken(claims: AccessTokenClaims, enrollment: Pick<Enrollment, 'tenantId' | 'azureAdDeviceId'>): PrimaryUser | undefined {
  if (claims.idtyp !== 'user' || typeof claims.oid !== 'string') return undefined;
  if (claims.tid.toLowerCase() !== enrollment.tenantId) return undefined;
  if (typeof claims.deviceid !== 'string' || claims.deviceid.toLowerCase() !== enrollment.azureAdDeviceId) return undefined;
  const upn = claims.upn ?? claims.preferred_username ?? null;
  return {
    userId: claims.oid,
    upn,
    displayName: typeof claims.name === 'string' ? claims.name : null,
    email: typeof claims.email === 'string' ? claims.email : upn,
  };
}

/**
 * At the start of a session: a device-auth enrollment without a user, unless self-deploying,
 * takes the one the session carries. `enrollment` is updated in place, so what the session
 * plans next (apps, compliance, group targets) sees the user. True when the user's account
 * setup was started: what the session has due changed, and must be read again.
 */
export async function learnPrimaryUser(deps: Pick<ManagementDeps, 'store' | 'apps' | 'enrollmentTokens' | 'logger'>, enrollment: Enrollment, message: SyncMLMessage): Promise<boolean> {
  if (enrollment.userId !== null || !enrollment.deviceAuth || enrollment.autopilotMode === 'selfDeploying') return false;
  const token = userTokenOf(message);
  if (!token) return false;
  let user: PrimaryUser | undefined;
  try {
    user = userOfToken(await deps.enrollmentTokens.verify(token), enrollment);
  } catch (error) {
    deps.logger.info({ enrollmentId: enrollment.id, reason: error instanceof Error ? error.message : String(error) }, 'session user token not accepted');
    return false;
  }
  if (!user) return false;
  const learned: Enrollment = { ...enrollment, userId: user.userId, upn: user.upn, userDisplayName: user.displayName, userEmail: user.email };
  // The deployment first: should it or the enrollment's write fail, the next session does both again.
  try {
    await deps.apps.userLearned(learned);
  } catch (error) {
    deps.logger.warn({ enrollmentId: enrollment.id, err: error instanceof Error ? error.message : String(error) }, 'primary user not recorded; account setup not started');
    return false;
  }
  if (await deps.store.setPrimaryUser(enrollment.id, user)) {
    Object.assign(enrollment, { userId: user.userId, upn: user.upn, userDisplayName: user.displayName, userEmail: user.email });
  }
  return true;
}
