import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { createSecretBox } from '@baton/kit';
import { displayUserCode, newUserCode, normaliseUserCode, pkceMatches } from './codes.js';
import type { IdentityDeps } from './deps.js';
import { InteractionExpired, openInteraction, sealInteraction, startInteraction } from './interaction.js';
import { WindowLimiter } from './rate-limit.js';
import { TtlCache } from './lookup-cache.js';
import { escapeHtml } from '../routes/pages/html.js';

test('user codes: 8 consonants, shown with a dash, read back whatever the case and spacing', () => {
  for (let i = 0; i < 200; i++) {
    const code = newUserCode();
    assert.match(code, /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
    assert.equal(normaliseUserCode(displayUserCode(code).toLowerCase()), code);
    assert.equal(normaliseUserCode(` ${code.slice(0, 4)} ${code.slice(4)} `), code);
  }
});

test('property: hostile user-code input is either a valid code or undefined, never a throw', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 100 }), (typed) => {
      const code = normaliseUserCode(typed);
      assert.ok(code === undefined || /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/.test(code));
    }),
    { numRuns: 2000 },
  );
});

test('property: PKCE verifiers outside RFC 7636 never match, whatever the challenge', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 60 }), (verifier, challenge) => {
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) assert.equal(pkceMatches(verifier, challenge), false);
    }),
  );
});

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

test('property: a sealed sign-in context opens only untouched, in its tenant and stage, before expiry', () => {
  let now = Date.now();
  const deps = { secrets: createSecretBox(randomBytes(32), 'identity'), now: () => new Date(now) } as unknown as IdentityDeps;
  const interaction = startInteraction(deps, { kind: 'device', tid: 't1', codeHash: 'h' });
  const sealed = sealInteraction(deps, interaction);
  assert.equal(openInteraction(deps, sealed, 't1', 'password').id, interaction.id);
  assert.throws(() => openInteraction(deps, sealed, 't2', 'password'), InteractionExpired);
  assert.throws(() => openInteraction(deps, sealed, 't1', 'mfa'), InteractionExpired);
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 0, max: sealed.length - 1 }), (garbage, at) => {
      assert.throws(() => openInteraction(deps, garbage, 't1', 'password'), InteractionExpired);
      // Flip the character's top bit: the low bits of a segment's last base64url character
      // can be padding that decodes to the same bytes, and that is no tampering at all.
      const index = BASE64URL.indexOf(sealed[at]!);
      const flipped = sealed.slice(0, at) + (index >= 0 ? BASE64URL[index ^ 32] : 'A') + sealed.slice(at + 1);
      if (flipped !== sealed) assert.throws(() => openInteraction(deps, flipped, 't1', 'password'), InteractionExpired);
    }),
  );
  now += 11 * 60_000;
  assert.throws(() => openInteraction(deps, sealed, 't1', 'password'), InteractionExpired);
});

test('window limiter: refuses past the limit, says when to retry, forgets after the window', () => {
  let now = 0;
  const limiter = new WindowLimiter(3, 60_000, () => now);
  for (let i = 0; i < 3; i++) assert.equal(limiter.hit('ip').allowed, true);
  const refused = limiter.hit('ip');
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterS, 60);
  assert.equal(limiter.check('other').allowed, true, 'keys are independent');
  now = 60_000;
  assert.equal(limiter.hit('ip').allowed, true);
});

test('property: escaped text never opens a tag or leaves an attribute', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      const escaped = escapeHtml(text);
      assert.ok(!/[<>"']/.test(escaped));
    }),
  );
});

test('lookup cache: found rows are reused within the TTL, misses are not remembered, clear() forgets', async () => {
  let now = 0;
  const cache = new TtlCache<string>(5_000, () => now);
  let loads = 0;
  const row = (value: string | undefined) => () => {
    loads++;
    return Promise.resolve(value);
  };
  assert.equal(await cache.get('t', row(undefined)), undefined);
  assert.equal(await cache.get('t', row('tenant')), 'tenant', 'a miss is looked up again');
  assert.equal(await cache.get('t', row('changed')), 'tenant');
  assert.equal(loads, 2);
  now = 5_000;
  assert.equal(await cache.get('t', row('changed')), 'changed', 'expired after the TTL');
  cache.clear();
  assert.equal(await cache.get('t', row('again')), 'again');
});
