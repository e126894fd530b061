// The Mermaid output is checked by Mermaid's own parser, in headless Chromium (offline: the
// library is loaded from node_modules). Skipped, with the reason, where Chromium is absent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ChainEvent } from '@baton/contracts';
import { chromium, type Browser, type Page } from 'playwright-core';
import { diagnoseEvents } from '@baton/diagnosis';
import { mermaidDiagrams } from './format.js';

const CHROMIUM = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`;

let seq = 0;
function event(service: ChainEvent['service'], type: string, phase: string, at: number, extra: Partial<ChainEvent> = {}): ChainEvent {
  return {
    id: String(++seq),
    occurredDateTime: new Date(Date.UTC(2026, 0, 1) + at).toISOString(),
    service,
    type,
    phase,
    outcome: 'success',
    ztdId: null,
    azureADDeviceId: null,
    serialNumber: 'PF0: "X";#1',
    traceId: 'a'.repeat(32),
    errorCode: null,
    detail: {},
    ...extra,
  };
}

const healthy = [
  event('discovery', 'registration', 'discovery', -5000, { traceId: 'b'.repeat(32) }),
  event('discovery', 'lookup', 'discovery', 0, { detail: { profileId: 'p-1' } }),
  event('identity', 'signIn', 'authentication', 900),
  event('identity', 'join', 'join', 2000, { detail: { mdmDiscoveryUrl: 'https://h:8443/EnrollmentServer/Discovery.svc' } }),
  event('identity', 'deviceToken', 'deviceToken', 2100),
  event('management', 'mdmDiscovery', 'mdmDiscovery', 2200),
  event('management', 'enrollment', 'enrollment', 4000),
  event('management', 'omadmSession', 'deviceSetup', 4500),
];

const cases: Record<string, ChainEvent[]> = {
  healthy,
  'CSP failure': [...healthy, event('management', 'commandStatus', 'deviceSetup', 4400, { outcome: 'failure', errorCode: '500', detail: { cmd: 'Get', target: './DevDetail/Ext/Microsoft/DeviceName' } })],
  'management unreachable': healthy.slice(0, 5),
  'sign-in refused': [...healthy.slice(0, 2), event('identity', 'signIn', 'authentication', 900, { outcome: 'failure', errorCode: 'AADSTS50126' })],
  'never registered': [],
};

describe('Mermaid output', { skip }, () => {
  let browser: Browser;
  let page: Page;
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    page = await browser.newPage();
    await page.setContent('<html><body></body></html>');
    await page.addScriptTag({ path: createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js') });
  });
  after(async () => {
    await browser?.close();
  });

  /** Mermaid's verdict: the diagram type it detected, or its parse error. */
  const parse = (text: string) =>
    page.evaluate(async (source) => {
      const m = (globalThis as any).mermaid;
      try {
        await m.parse(source);
        return { ok: true, type: m.detectType(source) as string };
      } catch (error) {
        return { ok: false, error: String((error as Error).message ?? error) };
      }
    }, text);

  for (const [name, events] of Object.entries(cases)) {
    test(`the gantt and the sequence diagram of "${name}" parse`, async () => {
      const { gantt, sequence } = mermaidDiagrams(diagnoseEvents('S1', events, { registrationId: true }));
      assert.deepEqual(await parse(gantt), { ok: true, type: 'gantt' }, gantt);
      assert.deepEqual(await parse(sequence), { ok: true, type: 'sequence' }, sequence);
    });
  }

  test('the parser does refuse a broken diagram (this check can fail)', async () => {
    const verdict = await parse('sequenceDiagram\n  Dev->>: nobody');
    assert.equal(verdict.ok, false);
  });
});
