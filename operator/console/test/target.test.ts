// Which tenant the console signs in to: the host's own, a sign-in link's, or one typed in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chooseTarget, forgetTarget, keepTarget, targetProblem } from '../src/auth/target.js';
import type { ConsoleConfig } from '../src/auth/config.js';

const DEMO: ConsoleConfig = {
  authority: 'https://baton.example:8443/11111111-1111-4111-8111-111111111111',
  clientId: '22222222-2222-4222-8222-222222222222',
  identity: 'https://baton.example:8443',
  scopes: ['https://graph.baton.local/User.Read'],
};
const CONTOSO_APP = '33333333-3333-4333-8333-333333333333';

function memoryStorage() {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) };
}

test('without a link or a kept choice the console signs in to the host\'s own tenant', () => {
  const chosen = chooseTarget(DEMO, { search: '' }, memoryStorage(), () => assert.fail('nothing to clear'));
  assert.deepEqual(chosen, { config: DEMO });
});

test('a sign-in link names the tenant and its console app, is taken off the address, and lasts until forgotten', () => {
  const storage = memoryStorage();
  let cleared = 0;
  const chosen = chooseTarget(DEMO, { search: `?tenant=contoso.example&client=${CONTOSO_APP}` }, storage, () => cleared++);
  assert.equal(cleared, 1);
  assert.equal(chosen.tenant, 'contoso.example');
  assert.equal(chosen.config.authority, 'https://baton.example:8443/contoso.example');
  assert.equal(chosen.config.clientId, CONTOSO_APP);
  assert.deepEqual(chosen.config.scopes, DEMO.scopes);
  // Back from identity's sign-in page, the address no longer carries the link.
  assert.equal(chooseTarget(DEMO, { search: '?code=abc&state=xyz' }, storage, () => cleared++).config.clientId, CONTOSO_APP);
  assert.equal(cleared, 1);
  forgetTarget(storage);
  assert.deepEqual(chooseTarget(DEMO, { search: '' }, storage, () => cleared++), { config: DEMO });
});

test('a link with half a target, or a malformed one, is refused and nothing is kept', () => {
  for (const search of ['?tenant=contoso.example', `?client=${CONTOSO_APP}`, `?tenant=not a domain&client=${CONTOSO_APP}`, '?tenant=contoso.example&client=nope', `?tenant=../../evil&client=${CONTOSO_APP}`]) {
    const storage = memoryStorage();
    assert.throws(() => chooseTarget(DEMO, { search }, storage, () => undefined), Error, search);
    assert.deepEqual(chooseTarget(DEMO, { search: '' }, storage, () => undefined), { config: DEMO }, search);
  }
});

test('whatever the address says, the authority stays under identity and the kept choice is one identity accepts', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 60 }), (tenant, clientId) => {
      const storage = memoryStorage();
      const search = `?${new URLSearchParams({ tenant, client: clientId }).toString()}`;
      let chosen;
      try {
        chosen = chooseTarget(DEMO, { search }, storage, () => undefined);
      } catch {
        return;
      }
      assert.equal(targetProblem({ tenant: chosen.tenant!, clientId: chosen.config.clientId }), undefined);
      const authority = new URL(chosen.config.authority);
      assert.equal(authority.origin, 'https://baton.example:8443');
      assert.equal(authority.pathname.split('/').length, 2, authority.pathname);
    }),
  );
});

test('a typed-in target is checked before it is kept', () => {
  const storage = memoryStorage();
  assert.throws(() => keepTarget(storage, { tenant: 'contoso', clientId: CONTOSO_APP }), /neither a tenant id nor a domain/);
  keepTarget(storage, { tenant: '44444444-4444-4444-8444-444444444444', clientId: CONTOSO_APP });
  assert.equal(chooseTarget(DEMO, { search: '' }, storage, () => undefined).config.authority, `${DEMO.identity}/44444444-4444-4444-8444-444444444444`);
});
