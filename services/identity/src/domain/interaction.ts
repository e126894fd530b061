/**
 * The state of one sign-in between its pages, sealed into a hidden form field (encrypted
 * and authenticated with identity's secret key) instead of a server session: any replica
 * can continue it, and it cannot be forged or moved to another tenant.
 */
import { randomUUID } from 'node:crypto';
import type { AuthorizationRequest } from './authorization.js';
import type { IdentityDeps } from './deps.js';

const LIFETIME_MS = 10 * 60_000;

interface Common {
  id: string;
  tid: string;
  exp: number;
  /** password: waiting for the password; mfa: password accepted, waiting for the second factor. */
  stage: 'password' | 'mfa';
  userId?: string;
  authTime?: string;
}

export type Interaction =
  | (Common & { kind: 'authorize'; request: AuthorizationRequest })
  | (Common & { kind: 'device'; codeHash: string });

export class InteractionExpired extends Error {
  override name = 'InteractionExpired';
}

export type NewInteraction =
  | { kind: 'authorize'; tid: string; request: AuthorizationRequest }
  | { kind: 'device'; tid: string; codeHash: string };

export function startInteraction(deps: IdentityDeps, start: NewInteraction): Interaction {
  return { ...start, id: randomUUID(), exp: deps.now().getTime() + LIFETIME_MS, stage: 'password' };
}

export function sealInteraction(deps: IdentityDeps, interaction: Interaction): string {
  return deps.secrets.seal(JSON.stringify(interaction));
}

export function openInteraction(deps: IdentityDeps, sealed: string | undefined, tid: string, stage: Interaction['stage']): Interaction {
  let interaction: Interaction;
  try {
    if (!sealed || sealed.length > 16_384) throw new Error('missing');
    interaction = JSON.parse(deps.secrets.openText(sealed)) as Interaction;
  } catch {
    throw new InteractionExpired('The sign-in request could not be read.');
  }
  if (interaction.tid !== tid || interaction.stage !== stage) throw new InteractionExpired('The sign-in request belongs elsewhere.');
  if (interaction.exp <= deps.now().getTime()) throw new InteractionExpired('The sign-in request has expired.');
  return interaction;
}
