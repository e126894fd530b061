export { buildProvisioningDoc, buildRenewalProvisioningDoc, DEFAULT_RENEW, type RenewalProvisioningDocInput } from './build.js';
export { parseProvisioningDoc } from './parse.js';
export type * from './types.js';
