import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { GraphError } from '@baton/kit';
import type { SyncMLMessage } from '@baton/protocols';
import { reportsOf } from './apps.js';
import { normalizeErrorCode, parseMsiUri } from './csp.js';
import { parseEspInput } from './esp-configuration.js';
import { applyReport, MAX_ATTEMPTS, retryAt } from './installs.js';
import { parseAppInput, type MobileApp } from './mobile-app.js';
import type { AppInstall } from './store.js';

/** Passes when `fn` returns or throws a Graph 400; anything else is a defect. */
function onlyBadRequests(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof GraphError) || err.statusCode !== 400) assert.fail(`expected a Graph 400, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
}

const TYPES = ['#microsoft.graph.win32LobApp', '#microsoft.graph.windowsMobileMSI', 'microsoft.graph.win32LobApp', '#microsoft.graph.iosLobApp'];
const KEYS = ['displayName', 'productCode', 'installCommandLine', 'rules', 'detectionRules', 'requirementRules', 'returnCodes', 'msiInformation', 'installExperience', 'applicableArchitectures', 'size', 'isFeatured', '__proto__', 'constructor'];
const hostileBody = fc.oneof(
  fc.anything(),
  fc.dictionary(fc.constantFrom(...KEYS, '@odata.type'), fc.oneof(fc.anything(), fc.constantFrom(...TYPES), fc.array(fc.dictionary(fc.constantFrom('@odata.type', 'ruleType', 'productCode', 'operator'), fc.anything()))), { maxKeys: 8 }),
);

test('hostile app bodies only ever get a Graph 400', () => {
  fc.assert(fc.property(hostileBody, fc.constantFrom('create' as const, 'update' as const), (body, mode) => onlyBadRequests(() => parseAppInput(body, mode, mode === 'update' ? 'win32LobApp' : undefined))));
});

test('hostile ESP bodies only ever get a Graph 400', () => {
  const keys = ['displayName', 'priority', 'installProgressTimeoutInMinutes', 'selectedMobileAppIds', 'showInstallationProgress', 'customErrorMessage', '@odata.type'];
  fc.assert(fc.property(fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom(...keys), fc.anything(), { maxKeys: 6 })), (body) => onlyBadRequests(() => parseEspInput(body, 'create'))));
});

test('whatever a device puts in Results, reading its app reports never throws and keeps bounded values', () => {
  const item = fc.record({ source: fc.oneof(fc.string(), fc.constantFrom('./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/%7BX%7D/Status', './User/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/%E0%A4%A/LastError')), data: fc.string({ maxLength: 200 }) });
  fc.assert(
    fc.property(fc.array(item, { maxLength: 10 }), (items) => {
      const message: SyncMLMessage = { header: { verDTD: '1.2', verProto: 'DM/1.2', sessionId: '1', msgId: '2', target: 't', source: 's' }, commands: [{ kind: 'Results', cmdId: '2', cmdRef: '3', items }], final: true };
      for (const report of reportsOf(message).apps.values()) {
        if (report.status !== undefined) assert.ok(report.status >= 0 && report.status < 1000);
        if (report.lastError !== undefined) assert.ok(report.lastError.length <= 64);
      }
    }),
  );
  fc.assert(fc.property(fc.string(), (s) => void parseMsiUri(s)));
  fc.assert(fc.property(fc.string(), (s) => assert.ok((normalizeErrorCode(s) ?? '').length <= 64)));
});

const install: AppInstall = { enrollmentId: 'e', appId: 'a', tenantId: 't', userId: null, intent: 'install', state: 'pendingInstall', cspStatus: 10, errorCode: null, errorDescription: null, attempts: 1, nextAttemptAt: null, commandId: null, updatedAt: '' };
const win32: MobileApp = { id: 'a', tenantId: 't', type: 'win32LobApp', displayName: 'Tools', productCode: '{A}', properties: { returnCodes: [{ returnCode: 3010, type: 'softReboot' }, { returnCode: 1603, type: 'failed' }] }, createdAt: '', modifiedAt: '' };

test("a Win32 app's return codes decide whether an installer exit is a failure", () => {
  const now = new Date('2026-01-01T00:00:00Z');
  assert.equal(applyReport(install, win32, { status: 60, lastError: '0x80070BC2' }, now).state, 'installed', '3010 is a soft reboot: installed');
  const failed = applyReport(install, win32, { status: 60, lastError: '0x80070643' }, now);
  assert.deepEqual([failed.state, failed.errorCode, failed.nextAttemptAt], ['failed', '0x80070643', '2026-01-01T00:05:00.000Z']);
  assert.equal(applyReport(install, win32, { status: 70 }, now).state, 'installed');
  assert.equal(applyReport(install, win32, { status: 20 }, now).state, 'pendingInstall');
  assert.equal(retryAt(2, now), '2026-01-01T00:10:00.000Z', 'the backoff doubles');
  assert.equal(retryAt(MAX_ATTEMPTS, now), null);
});
