/**
 * Scope strings as the Microsoft identity platform reads them: resource scopes are
 * `<resource>/<permission>` (`/.default` = everything consented), a bare permission is
 * a Graph one, and the OIDC scopes ride along. One token serves one resource.
 */
import { DRS_RESOURCE, GRAPH_RESOURCE, MDM_RESOURCE } from '@baton/contracts';
import { oauthErrors } from '../errors.js';

export const RESOURCES = [GRAPH_RESOURCE, MDM_RESOURCE, DRS_RESOURCE] as const;
export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

export interface ParsedScope {
  resource: string | undefined;
  /** Permissions asked of the resource (`.default` included as is). */
  permissions: string[];
  oidc: Set<string>;
  /** The resource scopes exactly as requested, for the response's `scope`. */
  requested: string[];
}

function resourceOf(item: string): { resource: string; permission: string } | undefined {
  const lower = item.toLowerCase();
  for (const resource of RESOURCES) {
    if (lower.startsWith(`${resource.toLowerCase()}/`)) return { resource, permission: item.slice(resource.length + 1) };
  }
  if (!item.includes('/') && !item.includes(':')) return { resource: GRAPH_RESOURCE, permission: item };
  return undefined;
}

export function parseScope(raw: string | undefined): ParsedScope {
  const items = (raw ?? '').split(/\s+/).filter(Boolean);
  if (items.length > 50) throw oauthErrors.invalidScope('Too many scopes.');
  const parsed: ParsedScope = { resource: undefined, permissions: [], oidc: new Set(), requested: [] };
  for (const item of items) {
    if (OIDC_SCOPES.has(item.toLowerCase())) {
      parsed.oidc.add(item.toLowerCase());
      continue;
    }
    const found = resourceOf(item);
    if (!found) throw oauthErrors.unknownResource(item.replace(/\/[^/]*$/, ''));
    if (!found.permission || found.permission.length > 200) throw oauthErrors.invalidScope(`'${item.slice(0, 200)}' names no permission.`);
    if (parsed.resource && parsed.resource !== found.resource) {
      throw oauthErrors.invalidScope('Scopes of more than one resource were requested; ask for one resource per token.');
    }
    parsed.resource = found.resource;
    parsed.permissions.push(found.permission);
    parsed.requested.push(item);
  }
  return parsed;
}

/** Delegated permissions a user gets at each resource; administrators get the admin ones too. */
export function delegatedPermissions(resource: string, isAdmin: boolean, adminPermissions: readonly string[]): string[] {
  if (resource === DRS_RESOURCE) return ['adrs_access'];
  if (resource === MDM_RESOURCE) return ['user_impersonation'];
  return isAdmin ? ['User.Read', ...adminPermissions] : ['User.Read'];
}

/** The `scp` of a user token: `.default` grants everything allowed, named ones must be allowed. */
export function grantedPermissions(requested: string[], allowed: string[]): string[] {
  if (requested.length === 0 || requested.includes('.default')) return allowed;
  const allowedLower = new Map(allowed.map((a) => [a.toLowerCase(), a]));
  const granted = requested.map((r) => allowedLower.get(r.toLowerCase())).filter((g): g is string => g !== undefined);
  if (granted.length === 0) throw oauthErrors.invalidScope(`None of the requested permissions (${requested.join(', ').slice(0, 200)}) is granted.`);
  return [...new Set(granted)];
}
