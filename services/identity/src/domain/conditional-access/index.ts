/**
 * Conditional access in identity: Graph v1.0 policy and named-location shapes, their
 * validation, the evaluator the token endpoint calls, and the what-if mapping.
 *
 * Token endpoint use (one cache per service instance):
 *   const cache = new ConditionalAccessCache(deps.store);
 *   const ca = await cache.get(tenant.id);
 *   const decision = evaluateConditionalAccess(ca.policies, ca.namedLocations, signIn);
 */
export type * from './types.js';
export {
  POLICY_STATES,
  CLIENT_APP_TYPES,
  DEVICE_PLATFORMS,
  RISK_LEVELS,
  BUILT_IN_CONTROLS,
  USER_ACTIONS,
  IP_NAMED_LOCATION,
  COUNTRY_NAMED_LOCATION,
} from './types.js';
export { evaluateConditionalAccess, type EvaluateOptions } from './evaluate.js';
export { compilePolicy, compilePolicies, compileNamedLocations, PROMPT_ORDER, type CompiledPolicy, type CompiledNamedLocations } from './compile.js';
export { validatePolicy, mergePatch } from './validate-policy.js';
export { validateNamedLocation } from './validate-location.js';
export { ConditionalAccessValidationError, type ConditionalAccessErrorCode } from './errors.js';
export { parseWhatIfRequest, whatIfResponse, mergeDecisions, type WhatIfRequest } from './what-if.js';
export { loadConditionalAccess, ConditionalAccessCache, type TenantConditionalAccess } from './admin.js';
export { userIdentity, deviceInfo, GLOBAL_ADMINISTRATOR_ROLE } from './directory.js';
