/**
 * Whether a sign-in meets a policy's grant. Device controls read the device itself unless
 * the caller states them (a token endpoint that has already checked compliance says so).
 */
import { normalizeCombination, type CompiledGrant } from './compile.js';
import type { PreparedSignIn } from './sign-in.js';
import type { GrantControlName } from './types.js';
import { MFA_STRENGTH_ID } from './well-known.js';

function met(control: GrantControlName, grant: CompiledGrant, s: PreparedSignIn): boolean {
  const done = s.satisfied;
  switch (control) {
    case 'mfa':
      return done.mfa === true;
    case 'authenticationStrength': {
      const strength = grant.strength!;
      if (done.authenticationMethods?.some((m) => strength.combinations.has(normalizeCombination(m)))) return true;
      // Without the methods used, plain MFA meets the built-in MFA strength or one whose combinations are unknown.
      return done.mfa === true && (strength.id === MFA_STRENGTH_ID || strength.combinations.size === 0);
    }
    case 'compliantDevice':
      return done.compliantDevice ?? s.rawDevice?.isCompliant === true;
    case 'domainJoinedDevice':
      return done.domainJoinedDevice ?? (s.rawDevice?.trustType ?? '').toLowerCase() === 'serverad';
    case 'approvedApplication':
      return done.approvedApplication === true;
    case 'compliantApplication':
      return done.compliantApplication === true;
    case 'passwordChange':
      return done.passwordChange === true;
    case 'riskRemediation':
      return done.riskRemediation === true;
    case 'termsOfUse':
      return grant.termsOfUse.every((id) => done.termsOfUse?.some((t) => t.toLowerCase() === id) ?? false);
    case 'customAuthenticationFactor':
      return grant.customFactors.every((id) => done.customAuthenticationFactors?.includes(id) ?? false);
  }
}

/** What the sign-in still lacks for this grant: empty when met; for OR, the choices. */
export function unmetControls(grant: CompiledGrant, s: PreparedSignIn): GrantControlName[] {
  if (grant.operator === 'AND') return grant.controls.filter((c) => !met(c, grant, s));
  return grant.controls.some((c) => met(c, grant, s)) ? [] : [...grant.controls];
}
