/**
 * The tenant facts a device's OOBE needs (domain, company branding) belong to identity;
 * discovery reads them from identity's Graph `organization` and keeps them briefly, so a
 * burst of booting devices costs identity one call per tenant.
 */
import { GRAPH_RESOURCE, type OobeBranding } from '@baton/contracts';
import type { Fetch } from '@baton/kit';

export interface TenantOrganization {
  tenantId: string;
  displayName: string;
  /** The tenant's default verified domain. */
  domain: string;
  branding: OobeBranding;
}

export interface OrganizationSource {
  get(tenantId: string, traceParent?: string): Promise<TenantOrganization>;
}

export interface TokenSource {
  token(tenantId: string, scope: string): Promise<string>;
}

export class OrganizationUnavailableError extends Error {
  override readonly name = 'OrganizationUnavailableError';
}

const DEFAULT_TTL_MS = 5 * 60_000;

export class IdentityOrganizationSource implements OrganizationSource {
  private readonly cache = new Map<string, { value: TenantOrganization; fetchedAt: number }>();
  /** One read per tenant at a time: a fleet booting at once shares it. */
  private readonly inFlight = new Map<string, Promise<TenantOrganization>>();

  constructor(
    private readonly identityUrl: string,
    private readonly tokens: TokenSource,
    private readonly fetch: Fetch,
    private readonly ttlMs = DEFAULT_TTL_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(tenantId: string, traceParent?: string): Promise<TenantOrganization> {
    const cached = this.cache.get(tenantId);
    if (cached && this.clock() - cached.fetchedAt < this.ttlMs) return cached.value;
    let pending = this.inFlight.get(tenantId);
    if (!pending) {
      pending = this.refresh(tenantId, traceParent).finally(() => this.inFlight.delete(tenantId));
      this.inFlight.set(tenantId, pending);
    }
    return pending;
  }

  private async refresh(tenantId: string, traceParent?: string): Promise<TenantOrganization> {
    const cached = this.cache.get(tenantId);
    try {
      const value = await this.fetchOrganization(tenantId, traceParent);
      this.cache.set(tenantId, { value, fetchedAt: this.clock() });
      return value;
    } catch (error) {
      // A stale answer beats a device stuck in OOBE while identity restarts.
      if (cached) return cached.value;
      throw error instanceof OrganizationUnavailableError ? error : new OrganizationUnavailableError(String(error));
    }
  }

  private async fetchOrganization(tenantId: string, traceParent?: string): Promise<TenantOrganization> {
    const token = await this.tokens.token(tenantId, `${GRAPH_RESOURCE}/.default`);
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (traceParent) headers.traceparent = traceParent;
    const response = await this.fetch(`${this.identityUrl}/graph/v1.0/organization`, { headers });
    if (!response.ok) throw new OrganizationUnavailableError(`identity answered ${response.status} for organization`);
    const body = (await response.json()) as { value?: unknown };
    const org = Array.isArray(body.value) ? body.value[0] : undefined;
    if (!org || typeof org !== 'object') throw new OrganizationUnavailableError('identity returned no organization');
    return parseOrganization(tenantId, org as Record<string, unknown>);
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Reads Graph's organization plus Baton's `branding`, tolerating absent optional parts. */
export function parseOrganization(tenantId: string, org: Record<string, unknown>): TenantOrganization {
  const displayName = str(org.displayName) ?? tenantId;
  const domains = Array.isArray(org.verifiedDomains) ? (org.verifiedDomains as Array<Record<string, unknown>>) : [];
  const preferred = domains.find((d) => d?.isDefault === true) ?? domains.find((d) => d?.isInitial === true) ?? domains[0];
  const domain = str(preferred?.name);
  if (!domain) throw new OrganizationUnavailableError('organization has no verified domain');
  const raw = (org.branding && typeof org.branding === 'object' ? org.branding : {}) as Record<string, unknown>;
  const branding: OobeBranding = { companyName: str(raw.companyName) ?? displayName };
  const backgroundColor = str(raw.backgroundColor);
  const bannerLogoUrl = str(raw.bannerLogoUrl) ?? str(raw.bannerLogo);
  const signInPageText = str(raw.signInPageText);
  if (backgroundColor) branding.backgroundColor = backgroundColor;
  if (bannerLogoUrl) branding.bannerLogoUrl = bannerLogoUrl;
  if (signInPageText) branding.signInPageText = signInPageText;
  return { tenantId, displayName, domain, branding };
}
