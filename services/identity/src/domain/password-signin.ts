/**
 * Checks a user's password for any sign-in (the token endpoint's password grant and the
 * sign-in page): per-IP and per-user limits on failures, lockout after consecutive
 * failures, and a decoy hash so that unknown users cost as much as known ones. Only
 * failures are counted: a fleet of devices signing in as one user is legitimate.
 */
import type { TenantRecord, UserRecord } from '../store/store.js';
import type { IdentityDeps } from './deps.js';
import { decoyHash, verifyPassword } from './passwords.js';

export type PasswordOutcome =
  | { ok: true; user: UserRecord }
  | { ok: false; reason: 'invalid' | 'disabled' }
  | { ok: false; reason: 'locked'; until: string }
  | { ok: false; reason: 'rate_limited'; retryAfterS: number };

export async function checkPassword(
  deps: IdentityDeps,
  tenant: TenantRecord,
  username: string,
  password: string,
  ip: string,
): Promise<PasswordOutcome> {
  const limits = deps.signinLimits;
  const ipVerdict = limits.ipFailures.check(ip);
  if (!ipVerdict.allowed) return { ok: false, reason: 'rate_limited', retryAfterS: ipVerdict.retryAfterS };
  const user = await deps.store.findUserByUpn(tenant.id, username);
  const userKey = user ? `${tenant.id}:${user.id}` : undefined;
  if (userKey) {
    const userVerdict = limits.userFailures.check(userKey);
    if (!userVerdict.allowed) return { ok: false, reason: 'rate_limited', retryAfterS: userVerdict.retryAfterS };
  }
  const now = deps.now();
  const lock = user ? await deps.signin.lockout(tenant.id, user.id) : undefined;
  // A locked account answers the same whether or not the password is right: no oracle.
  if (lock?.lockedUntil && new Date(lock.lockedUntil) > now) return { ok: false, reason: 'locked', until: lock.lockedUntil };
  const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
  if (!user || !valid) {
    limits.ipFailures.hit(ip);
    if (userKey) limits.userFailures.hit(userKey);
    if (user) {
      const { policy } = limits;
      const lockedUntil = new Date(now.getTime() + policy.lockMinutes * 60_000).toISOString();
      const after = await deps.signin.recordFailure(tenant.id, user.id, policy.lockAfter, lockedUntil);
      if (after.lockedUntil && new Date(after.lockedUntil) > now) return { ok: false, reason: 'locked', until: after.lockedUntil };
    }
    return { ok: false, reason: 'invalid' };
  }
  if (!user.accountEnabled) return { ok: false, reason: 'disabled' };
  if (lock && lock.failures > 0) await deps.signin.clearFailures(tenant.id, user.id);
  return { ok: true, user };
}
