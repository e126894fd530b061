import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.js';

test('defaults give an embedded Baton on 8443 with data in ./.baton', () => {
  const config = loadConfig({});
  assert.equal(config.port, 8443);
  assert.equal(config.host, '127.0.0.1');
  assert.match(config.dataDir, /\.baton$/);
  assert.equal(config.databaseUrl, undefined);
  assert.deepEqual(config.hostnames, []);
});

test('a bad value names the variable it came from', () => {
  assert.throws(() => loadConfig({ BATON_PORT: 'eighty' }), (e: unknown) => e instanceof ConfigError && e.variable === 'BATON_PORT');
  assert.throws(() => loadConfig({ BATON_PORT: '70000' }), /above 65535/);
  assert.throws(() => loadConfig({ BATON_DATABASE_URL: 'mysql://x' }), /BATON_DATABASE_URL/);
  assert.throws(() => loadConfig({ BATON_PUBLIC_URL: 'http://plain.example' }), /https/);
  assert.throws(() => loadConfig({ BATON_HOSTNAMES: 'ok.example,bad name' }), /BATON_HOSTNAMES/);
  assert.throws(() => loadConfig({ BATON_LOG_LEVEL: 'loud' }), /BATON_LOG_LEVEL/);
  assert.throws(() => loadConfig({ BATON_TLS_CERT: '/x.pem' }), /go together/);
});

test('overrides win over the environment', () => {
  const config = loadConfig({ BATON_PORT: '9000', BATON_HOSTNAMES: 'baton.lab.example' }, { port: 0 });
  assert.equal(config.port, 0);
  assert.deepEqual(config.hostnames, ['baton.lab.example']);
});

test('MDM certificates live a year unless BATON_MDM_CERT_VALIDITY_DAYS says otherwise (fractions rehearse expiry)', () => {
  assert.equal(loadConfig({}).mdmCertificateValidityDays, 365);
  assert.equal(loadConfig({ BATON_MDM_CERT_VALIDITY_DAYS: '0.5' }).mdmCertificateValidityDays, 0.5);
  for (const bad of ['0', '-1', 'a year', '4000']) {
    assert.throws(() => loadConfig({ BATON_MDM_CERT_VALIDITY_DAYS: bad }), (e: unknown) => e instanceof ConfigError && e.variable === 'BATON_MDM_CERT_VALIDITY_DAYS', bad);
  }
});
