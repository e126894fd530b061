export { parseSyncML, type ParseSyncMLOptions } from './parse.js';
export { buildSyncML } from './build.js';
export * from './constants.js';
export type * from './types.js';
