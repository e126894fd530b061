import type { KeyAndCert, SecretBox, ServiceUrls, TokenVerifier } from '@baton/kit';
import type { Logger } from 'pino';
import type { Apps } from './apps/apps.js';
import type { AppsStore } from './apps/store.js';
import type { ManagementEvents } from './events/feed.js';
import type { Compliance } from './compliance/compliance.js';
import type { ComplianceStore } from './compliance/store.js';
import type { Configuration } from './configuration/configuration.js';
import type { ConfigurationStore } from './configuration/store.js';
import type { ManagementStore } from './store/store.js';

/** Everything the routes need, built once by createManagementService. */
export interface ManagementDeps {
  store: ManagementStore;
  /** Read at request time: the host may learn its public URL only once it listens. */
  urls: ServiceUrls;
  logger: Logger;
  /** Verifies identity's device-bound enrollment tokens (audience MDM_RESOURCE). */
  enrollmentTokens: TokenVerifier;
  /** Verifies Graph admin tokens (audience GRAPH_RESOURCE). */
  graphTokens: TokenVerifier;
  /** Seals what management keeps secret at rest (the CA key, devices' digest secrets). */
  secrets: SecretBox;
  /** The event feed enrollments and OMA-DM sessions are recorded in. */
  events: ManagementEvents;
  /** Compliance policies, device facts and evaluation; its store is on the same database. */
  compliance: Compliance;
  complianceStore: ComplianceStore;
  /** Configuration profiles, their delivery and per-setting states; same database. */
  configuration: Configuration;
  configurationStore: ConfigurationStore;
  /** Life of the MDM client certificates issued (BATON_MDM_CERT_VALIDITY_DAYS); 365 days when unset. */
  certificateValidityDays?: number;
  /** Mobile apps, the Enrollment Status Page and deployment records; same database. */
  apps: Apps;
  appsStore: AppsStore;
  /** The MDM CA, created on first use. */
  authority(): Promise<KeyAndCert>;
}
