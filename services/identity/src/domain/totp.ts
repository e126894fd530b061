/**
 * TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s), as authenticator apps read it from
 * an otpauth:// URI. A code is accepted once (the last accepted time step is stored), and
 * ten single-use recovery codes stand in for a lost phone. Seeds are sealed at rest.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { renderSVG } from 'uqr';
import type { TenantRecord, UserRecord } from '../store/store.js';
import type { TotpRecord } from '../store/signin-store.js';
import type { IdentityDeps } from './deps.js';

const PERIOD = 30;
const DIGITS = 6;
const RECOVERY_CODES = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export interface TotpEnrolment {
  method: TotpRecord;
  otpauthUri: string;
  /** The URI as a QR code (SVG), for an authenticator app's camera. */
  qrCodeSvg: string;
  secretKey: string;
  /** Shown once; only digests are stored. */
  recoveryCodes: string[];
}

function totpFor(secretBase32: string, issuer: string, label: string): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secretBase32) });
}

function recoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

function normaliseRecovery(code: string): string {
  return code.trim().toLowerCase().replace(/[\s-]/g, '');
}

/** Starts (or restarts) enrolment: the method is unconfirmed until a first code is verified. */
export async function enrolTotp(deps: IdentityDeps, tenant: TenantRecord, user: UserRecord): Promise<TotpEnrolment> {
  const secretKey = new Secret({ size: 20 }).base32;
  const recoveryCodes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
  const method: TotpRecord = {
    tenantId: tenant.id,
    userId: user.id,
    id: randomUUID(),
    secret: deps.secrets.seal(secretKey),
    displayName: 'Authenticator app',
    confirmed: false,
    recoveryCodes: recoveryCodes.map((c) => deps.secrets.digest(normaliseRecovery(c))),
    lastStep: 0,
    createdAt: deps.now().toISOString(),
  };
  await deps.signin.upsertTotp(method);
  const otpauthUri = totpFor(secretKey, tenant.branding.companyName || tenant.displayName, user.upn).toString();
  return { method, otpauthUri, qrCodeSvg: renderSVG(otpauthUri, { ecc: 'M' }), secretKey, recoveryCodes };
}

/** The current code for a seed (tests and the device simulator play the authenticator app). */
export function totpCode(secretKey: string, at: Date = new Date()): string {
  return TOTP.generate({ secret: Secret.fromBase32(secretKey), digits: DIGITS, period: PERIOD, algorithm: 'SHA1', timestamp: at.getTime() });
}

/**
 * Checks a TOTP code (one step of clock drift either way) or a recovery code. Each is
 * single-use: a TOTP step not later than the last accepted one is refused.
 */
export async function verifySecondFactor(deps: IdentityDeps, method: TotpRecord, code: string): Promise<boolean> {
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    const secretKey = deps.secrets.openText(method.secret);
    const timestamp = deps.now().getTime();
    const delta = TOTP.validate({ token: trimmed, secret: Secret.fromBase32(secretKey), digits: DIGITS, period: PERIOD, algorithm: 'SHA1', timestamp, window: 1 });
    if (delta === null) return false;
    const step = TOTP.counter({ period: PERIOD, timestamp }) + delta;
    return deps.signin.advanceTotpStep(method.tenantId, method.userId, step);
  }
  const recovery = normaliseRecovery(trimmed);
  if (recovery.length !== 10) return false;
  return deps.signin.useRecoveryCode(method.tenantId, method.userId, deps.secrets.digest(recovery));
}

/** The user's confirmed TOTP method, when sign-in must ask for a second factor. */
export async function confirmedTotp(deps: IdentityDeps, tenantId: string, userId: string): Promise<TotpRecord | undefined> {
  const method = await deps.signin.findTotp(tenantId, userId);
  return method?.confirmed ? method : undefined;
}
