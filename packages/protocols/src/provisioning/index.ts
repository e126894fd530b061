export { buildProvisioningDoc, DEFAULT_RENEW } from './build.js';
export { parseProvisioningDoc } from './parse.js';
export type * from './types.js';
