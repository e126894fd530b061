import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Fetch } from '@baton/kit';
import { IdentityOrganizationSource, OrganizationUnavailableError, parseOrganization } from './organization.js';

const TID = '33333333-3333-4333-8333-333333333333';

function fakeIdentity() {
  const state = { calls: 0, down: false, name: 'Contoso' };
  const fetch: Fetch = async (url, init) => {
    state.calls++;
    assert.equal(String(url), 'https://id.test/graph/v1.0/organization');
    assert.equal((init?.headers as Record<string, string>).authorization, 'Bearer t');
    if (state.down) return new Response('{}', { status: 503 });
    return Response.json({ value: [{ id: TID, displayName: state.name, verifiedDomains: [{ name: 'contoso.test', isDefault: true }] }] });
  };
  return { state, fetch };
}

test('organizations are cached per tenant, shared while in flight, and served stale when identity is down', async () => {
  const { state, fetch } = fakeIdentity();
  let now = 0;
  const source = new IdentityOrganizationSource('https://id.test', { token: async () => 't' }, fetch, 1000, () => now);
  const burst = await Promise.all([source.get(TID), source.get(TID), source.get(TID)]);
  assert.equal(state.calls, 1);
  assert.deepEqual(burst[0], { tenantId: TID, displayName: 'Contoso', domain: 'contoso.test', branding: { companyName: 'Contoso' } });

  now = 999;
  await source.get(TID);
  assert.equal(state.calls, 1, 'fresh within the TTL');

  now = 1000;
  state.name = 'Contoso renamed';
  assert.equal((await source.get(TID)).displayName, 'Contoso renamed');
  assert.equal(state.calls, 2);

  now = 5000;
  state.down = true;
  assert.equal((await source.get(TID)).displayName, 'Contoso renamed', 'stale beats nothing');

  const cold = new IdentityOrganizationSource('https://id.test', { token: async () => 't' }, fetch, 1000, () => now);
  await assert.rejects(cold.get(TID), OrganizationUnavailableError);
});

test('the organization parser takes the default domain and Baton branding', () => {
  const org = parseOrganization(TID, {
    displayName: 'Fabrikam',
    verifiedDomains: [{ name: 'fabrikam.onbaton.local', isInitial: true }, { name: 'fabrikam.test', isDefault: true }],
    branding: { backgroundColor: '#123456', bannerLogoUrl: 'https://cdn.test/logo.png', signInPageText: 'Hi' },
  });
  assert.equal(org.domain, 'fabrikam.test');
  assert.deepEqual(org.branding, { companyName: 'Fabrikam', backgroundColor: '#123456', bannerLogoUrl: 'https://cdn.test/logo.png', signInPageText: 'Hi' });
  assert.throws(() => parseOrganization(TID, { displayName: 'No domains', verifiedDomains: [] }), OrganizationUnavailableError);
});
