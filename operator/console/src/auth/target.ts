/**
 * Which tenant the console signs in to. The host's configuration names the demo tenant and its
 * console application; an administrator of another tenant comes with `?tenant=<domain or
 * id>&client=<the console app's id in that tenant>` (the link `baton tenant create
 * --console-url` prints) or types both on the sign-in page. The choice is kept in
 * sessionStorage, so it survives the round trip through identity's sign-in page and ends
 * with the tab or at sign-out.
 */
import type { ConsoleConfig } from './config.js';

export interface Target {
  tenant: string;
  clientId: string;
}

export interface ChosenTarget {
  config: ConsoleConfig;
  /** The tenant as the administrator named it; undefined for the host's own (demo) tenant. */
  tenant?: string;
}

const KEY = 'baton.console.target';
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A verified domain (labels of letters, digits and hyphens) or a tenant id.
const DOMAIN_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** Why a tenant and client pair cannot be signed in to, or undefined when it can be. */
export function targetProblem(target: Target): string | undefined {
  if (!GUID_RE.test(target.tenant) && !DOMAIN_RE.test(target.tenant)) return `"${target.tenant}" is neither a tenant id nor a domain name.`;
  if (!GUID_RE.test(target.clientId)) return `"${target.clientId}" is not an application (client) id.`;
  return undefined;
}

/**
 * Reads the target from the address (then takes the parameters out of it) or from what was
 * kept, and answers the configuration to sign in with. A malformed target is refused with an
 * error rather than sent to identity.
 */
export function chooseTarget(config: ConsoleConfig, location: { search: string }, storage: Pick<Storage, 'getItem' | 'setItem'>, clearSearch: () => void): ChosenTarget {
  const params = new URLSearchParams(location.search);
  const tenant = params.get('tenant');
  const clientId = params.get('client');
  if (tenant !== null || clientId !== null) {
    clearSearch();
    if (tenant === null || clientId === null) throw new Error('A sign-in link names both the tenant (?tenant=) and the console application (&client=).');
    keepTarget(storage, { tenant: tenant.trim(), clientId: clientId.trim() });
  }
  const kept = readKept(storage);
  if (!kept) return { config };
  return {
    config: { ...config, authority: `${config.identity.replace(/\/+$/, '')}/${encodeURIComponent(kept.tenant)}`, clientId: kept.clientId },
    tenant: kept.tenant,
  };
}

/** Keeps a target for this tab; throws when it is malformed. */
export function keepTarget(storage: Pick<Storage, 'setItem'>, target: Target): void {
  const problem = targetProblem(target);
  if (problem) throw new Error(problem);
  storage.setItem(KEY, JSON.stringify(target));
}

/** Back to the host's own tenant at the next load. */
export function forgetTarget(storage: Pick<Storage, 'removeItem'>): void {
  storage.removeItem(KEY);
}

function readKept(storage: Pick<Storage, 'getItem'>): Target | undefined {
  try {
    const kept = JSON.parse(storage.getItem(KEY) ?? 'null') as Partial<Target> | null;
    if (typeof kept?.tenant !== 'string' || typeof kept.clientId !== 'string') return undefined;
    const target = { tenant: kept.tenant, clientId: kept.clientId };
    return targetProblem(target) ? undefined : target;
  } catch {
    return undefined;
  }
}
