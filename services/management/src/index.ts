export { createManagementService } from './service.js';
export { managementPlugin, buildManagementApp, type ManagementPluginOptions, type BuildManagementAppOptions } from './app.js';
export type { ManagementDeps } from './deps.js';
export { openManagementStore, KyselyManagementStore, managementMigrations } from './store/index.js';
export type * from './store/store.js';
export { runSession, rejectMessage, type SessionInput, type SessionOutcome } from './session/engine.js';
export { POLL_SCHEDULE, PROVIDER_ID } from './enrollment/enroll.js';
export { FAULTS, EnrollmentFault, SYNCML_STATUS } from './errors.js';
