import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { mutated, nonEmptyToken, xmlToken } from '../testing/arbitraries.js';
import { onlyParseErrors, rejectsWith } from '../testing/assert.js';
import { buildMsiInstallJob, parseMsiInstallJob, type MsiInstallJob } from './index.js';

const job: fc.Arbitrary<MsiInstallJob> = fc.record({
  productId: nonEmptyToken(),
  productVersion: xmlToken(),
  contentUrls: fc.array(nonEmptyToken(), { maxLength: 4 }),
  fileHash: xmlToken(),
  commandLine: xmlToken(),
  timeoutMinutes: fc.nat({ max: 999_999 }),
  retryCount: fc.nat({ max: 999_999 }),
  retryIntervalMinutes: fc.nat({ max: 999_999 }),
});

const sample: MsiInstallJob = {
  productId: '{6D6F6E69-746F-7200-0000-000000000001}',
  productVersion: '2.4.0.0',
  contentUrls: ['https://mdm.baton.local/apps/monitor.msi?a=1&b=2'],
  fileHash: 'AB'.repeat(32),
  commandLine: '/quiet /norestart TOKEN="x<y"',
  timeoutMinutes: 10,
  retryCount: 3,
  retryIntervalMinutes: 5,
};

test('an install job survives build and parse, including characters XML must escape', () => {
  assert.deepEqual(parseMsiInstallJob(buildMsiInstallJob(sample)), sample);
  fc.assert(fc.property(job, (j) => assert.deepEqual(parseMsiInstallJob(buildMsiInstallJob(j)), { ...j })));
});

test('a document that is not an install job is refused with a parse error', () => {
  rejectsWith('msijob.root', () => parseMsiInstallJob('<Job id="x"><Product/></Job>'));
  rejectsWith('msijob.id', () => parseMsiInstallJob('<MsiInstallJob><Product/></MsiInstallJob>'));
  rejectsWith('msijob.product', () => parseMsiInstallJob('<MsiInstallJob id="x"/>'));
  rejectsWith('msijob.number', () => parseMsiInstallJob('<MsiInstallJob id="x"><Product><Enforcement><TimeOut>-1</TimeOut></Enforcement></Product></MsiInstallJob>'));
  rejectsWith('xml.dtd', () => parseMsiInstallJob('<!DOCTYPE x [<!ENTITY a "b">]><MsiInstallJob id="&a;"><Product/></MsiInstallJob>'));
});

test('hostile input only ever yields a parse error', () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => onlyParseErrors(() => parseMsiInstallJob(s))));
  fc.assert(fc.property(mutated(buildMsiInstallJob(sample)), (s) => onlyParseErrors(() => parseMsiInstallJob(s))));
});
