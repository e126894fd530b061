/**
 * `$search` on `/users` and `/devices`, as Entra answers it on directory objects
 * (learn.microsoft.com/graph/search-query-parameter): an advanced query, so only with
 * `ConsistencyLevel: eventual` (though, unlike the others, without `$count=true`); every clause
 * names a property; displayName is matched word by word and the other properties `$filter`
 * takes are matched as startswith. Users are searched on the properties Entra lists for them
 * that Baton keeps; another property is refused by name rather than matched against nothing.
 */
import { searchChainOperands, type SearchNode } from '@baton/protocols';
import { identityGraphErrors } from '../errors.js';

export interface DirectorySearchRules {
  /** The collection as messages name it. */
  noun: string;
  /** Properties a clause may name. */
  properties: readonly string[];
}

export const USER_SEARCH: DirectorySearchRules = { noun: 'users', properties: ['displayName', 'userPrincipalName', 'givenName', 'surname', 'mail'] };

export const DEVICE_SEARCH: DirectorySearchRules = {
  noun: 'devices',
  properties: ['displayName', 'deviceId', 'operatingSystem', 'operatingSystemVersion', 'trustType', 'mdmAppId', 'deviceOwnership', 'enrollmentProfileName'],
};

/** Graph's own words for a search sent without the header. */
export const SEARCH_NEEDS_EVENTUAL = "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'";

function refuse(message: string): never {
  throw identityGraphErrors.unsupportedQuery(message);
}

function check(node: SearchNode, rules: DirectorySearchRules): void {
  if (node.kind !== 'term') {
    for (const part of searchChainOperands(node)) check(part, rules);
    return;
  }
  if (node.property === undefined) refuse(`A $search clause must name the property to search, as in "displayName:${node.text.slice(0, 40)}".`);
  const lower = node.property.toLowerCase();
  if (!rules.properties.some((p) => p.toLowerCase() === lower)) refuse(`Searching ${rules.noun} on '${node.property.slice(0, 80)}' is not supported.`);
}

/** Vets a parsed search against a collection's rules; Graph's 400 envelope on anything unsupported. */
export function vetDirectorySearch(node: SearchNode, eventual: boolean, rules: DirectorySearchRules): SearchNode {
  if (!eventual) refuse(SEARCH_NEEDS_EVENTUAL);
  check(node, rules);
  return node;
}
