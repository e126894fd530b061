import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DRS_RESOURCE, GRAPH_RESOURCE, MDM_RESOURCE } from '@baton/contracts';
import { OAuthError } from '../errors.js';
import { guidToWindowsBytes, windowsBytesToGuid } from './device-certificates.js';
import { FilterError, parseFilter } from './odata-filter.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { parseScope } from './scopes.js';
import { basicCredentials } from './clients.js';

test('password hashes are self-describing, salted and verify only the right password', async () => {
  const a = await hashPassword('pässword');
  const b = await hashPassword('pässword');
  assert.notEqual(a, b);
  assert.match(a, /^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
  assert.equal(await verifyPassword('pässword', a), true);
  assert.equal(await verifyPassword('password', a), false);
  assert.equal(await verifyPassword('x', 'garbage'), false);
  assert.equal(await verifyPassword('x', 'scrypt$99999999$8$1$AA$AA'), false);
});

test('GUIDs are written in Windows byte order and read back', () => {
  const guid = '00112233-4455-6677-8899-aabbccddeeff';
  assert.equal(Buffer.from(guidToWindowsBytes(guid)).toString('hex'), '33221100554477668899aabbccddeeff');
  fc.assert(fc.property(fc.uuid(), (g) => windowsBytesToGuid(guidToWindowsBytes(g)) === g.toLowerCase()));
});

test('scopes: one resource per token, bare names are Graph, unknown resources refused', () => {
  const s = parseScope(`${DRS_RESOURCE}/.default openid Profile offline_access`);
  assert.equal(s.resource, DRS_RESOURCE);
  assert.deepEqual(s.permissions, ['.default']);
  assert.deepEqual([...s.oidc].sort(), ['offline_access', 'openid', 'profile']);
  assert.equal(parseScope('User.Read').resource, GRAPH_RESOURCE);
  assert.equal(parseScope('openid').resource, undefined);
  assert.throws(() => parseScope(`${GRAPH_RESOURCE}/.default ${MDM_RESOURCE}/.default`), OAuthError);
  assert.throws(() => parseScope('https://evil.example/.default'), (e: OAuthError) => e.error === 'invalid_resource');
});

test('$filter: equality, lambda equality, and; everything else refused', () => {
  assert.deepEqual(parseFilter("deviceId eq 'a''b' and accountEnabled eq true"), [
    { kind: 'eq', property: 'deviceId', value: "a'b" },
    { kind: 'eq', property: 'accountEnabled', value: true },
  ]);
  assert.deepEqual(parseFilter("physicalIds/any(p:p eq '[ZTDID]:x')"), [{ kind: 'any-eq', property: 'physicalIds', value: '[ZTDID]:x' }]);
  for (const bad of ["deviceId ne 'x'", "deviceId eq 'x' or a eq 'b'", "deviceId eq 'x", 'deviceId eq', "physicalIds/any(p:q eq 'x')", '']) {
    assert.throws(() => parseFilter(bad), FilterError, bad);
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 120 }), (input) => {
      try {
        parseFilter(input);
      } catch (error) {
        assert.ok(error instanceof FilterError, String(error));
      }
    }),
    { numRuns: 500 },
  );
});

test('client_secret_basic decodes form-encoded parts', () => {
  const header = `Basic ${Buffer.from('id%3A1:s%20e+cret').toString('base64')}`;
  assert.deepEqual(basicCredentials(header), { clientId: 'id:1', clientSecret: 's e cret' });
  assert.equal(basicCredentials('Bearer x'), undefined);
  assert.equal(basicCredentials(`Basic ${Buffer.from('nocolon').toString('base64')}`), undefined);
});
