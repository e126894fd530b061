export { createDiscoveryService, type DiscoveryRuntime, type DiscoveryServiceOptions } from './service.js';
export { discoveryPlugin, buildDiscoveryApp, type DiscoveryApp, type DiscoveryPluginOptions } from './app.js';
export { IMPORT_ERRORS, DISCOVERY_ERROR_CODES, discoveryErrors } from './errors.js';
export { openDiscoveryStore, type DiscoveryStore } from './store/index.js';
