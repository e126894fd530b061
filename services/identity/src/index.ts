export { createIdentityService, type IdentityRuntime, type IdentityServiceOptions } from './service.js';
export { identityPlugin, buildIdentityApp, type IdentityApp, type IdentityPluginOptions } from './app.js';
export type { BootstrapTenantInput, BootstrapTenantResult } from './domain/tenants.js';
export type { TokenEndpoint, TokenRequest, TokenResponse } from './domain/token-endpoint.js';
export type { IdentityStore } from './store/store.js';
