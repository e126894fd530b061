/**
 * `$orderby` on `/users` and `/devices`, limited to what Entra sorts directory objects by
 * (learn.microsoft.com/graph/aad-advanced-queries): users by displayName and userPrincipalName
 * by default and by createdDateTime in advanced queries, devices by displayName,
 * createdDateTime and approximateLastSignInDateTime in advanced queries only. Sorting a
 * filtered list is itself an advanced query. An advanced query here is Entra's: the
 * `ConsistencyLevel: eventual` header and `$count=true`.
 */
import type { OrderByItem } from '@baton/protocols';
import { identityGraphErrors } from '../errors.js';

export interface DirectoryOrderRules {
  /** Each sortable property, and whether sorting by it needs an advanced query. */
  properties: Readonly<Record<string, 'default' | 'advanced'>>;
}

export const USER_ORDER: DirectoryOrderRules = {
  properties: { displayName: 'default', userPrincipalName: 'default', createdDateTime: 'advanced' },
};

export const DEVICE_ORDER: DirectoryOrderRules = {
  properties: { displayName: 'advanced', createdDateTime: 'advanced', approximateLastSignInDateTime: 'advanced' },
};

/** Graph's own words when a sort needs the advanced query parameters it was sent without. */
export const SORTING_NOT_SUPPORTED = 'Sorting not supported for current query.';

/**
 * Vets an `$orderby` whose properties the codec already matched against the rules (so each
 * names a sortable property, spelt as the rules spell it).
 */
export function vetDirectoryOrder(orderby: OrderByItem[], query: { advanced: boolean; filtered: boolean }, rules: DirectoryOrderRules): OrderByItem[] {
  if (query.advanced) return orderby;
  if (query.filtered || orderby.some((item) => rules.properties[item.path.join('/')] !== 'default')) throw identityGraphErrors.unsupportedQuery(SORTING_NOT_SUPPORTED);
  return orderby;
}
