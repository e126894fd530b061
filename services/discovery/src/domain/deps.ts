import type { SecretBox } from '@baton/kit';
import type { Logger } from 'pino';
import type { DiscoveryStore } from '../store/types.js';
import type { OrganizationSource } from './organization.js';
import type { PlaceholderSender } from './placeholder.js';

/** What discovery's rules need from the outside world. */
export interface DiscoveryDeps {
  store: DiscoveryStore;
  /** Seals hardware hashes and digests hardware identities (purpose 'discovery'). */
  box: SecretBox;
  organizations: OrganizationSource;
  /** Identity's public base URL: the authority discovery hands devices to. */
  identityUrl: string;
  /** Sends a placeholder to identity at once, for a device that boots before the outbox delivered it. */
  sendPlaceholder: PlaceholderSender;
  /** Called after a write queued an outbox message, so delivery need not wait for a poll. */
  outboxWritten?: () => void;
  /** Keeps discovery's mirror of assigned groups; absent in domain tests that need no identity. */
  groups?: GroupWatcher;
  logger?: Logger;
  now?: () => Date;
  /** Page size and time budgets of tenant walks (tenant-walk.ts); tests make them small. */
  walk?: Partial<WalkTuning>;
}

export interface WalkTuning {
  /** Devices read, resolved and written per page (one transaction). */
  pageDevices: number;
  /** How long the request that made the change runs pages before the relay takes over. */
  inlineMs: number;
  /** How long the relay runs one walk before it lets the relay's other messages go. */
  relayMs: number;
}

/** What assignment writes tell the group watcher. Neither call throws: failures are retried later. */
export interface GroupWatcher {
  /** An assignment now targets the group: subscribe to its members and mirror them. */
  watch(tenantId: string, groupId: string): Promise<void>;
  /** An assignment stopped targeting the group: unsubscribe when no other one does. */
  release(tenantId: string, groupId: string): Promise<void>;
}

export const nowIso = (deps: Pick<DiscoveryDeps, 'now'>): string => (deps.now?.() ?? new Date()).toISOString();
