/**
 * Baton's XML reader (packages/protocols/src/xml/reader.ts) on the documents the services
 * read most: a Windows DM client's package 1 (Alert 1201 + 1224, DevInfo Replace), a
 * 200-item Results message (an inventory answer), and an MS-MDE2 RequestSecurityToken with a
 * PKCS#10 in base64 and the AdditionalContext items Windows sends. Baseline, same run, same
 * documents: fast-xml-parser's validator then its parser, the pair Baton read XML with
 * before (both passes are needed: the parser alone accepts documents that are not
 * well-formed). Rounds alternate so that machine drift hits both.
 *
 *   node --import tsx bench/xml-parse.ts [--iterations 20000] [--rounds 5]
 *   (--iterations per round for a 1 kB document; larger documents get proportionally fewer)
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { buildRequestSecurityToken, buildSyncML, parseXml } from '@baton/protocols';
import { arg } from './support.js';

const iterations = arg('iterations', 20000);
const rounds = arg('rounds', 5);

const header = { verDTD: '1.2', verProto: 'DM/1.2', sessionId: '1', msgId: '1', target: 'https://mdm.baton.test/ManagementServer/MDM.svc', source: '{4F1D3A5C-2B7E-4C9A-8D61-0E5F7A9B3C21}' };
const devInfo = (node: string, data: string) => ({ source: `./DevInfo/${node}`, data });
const documents: Array<[string, string]> = [
  [
    'SyncML package 1 (Alert 1201, 1224, DevInfo)',
    buildSyncML({
      header,
      commands: [
        { kind: 'Alert', cmdId: '2', data: '1201', items: [] },
        { kind: 'Alert', cmdId: '3', data: '1224', items: [{ meta: { type: 'com.microsoft/MDM/LoginStatus' }, data: 'others' }] },
        { kind: 'Replace', cmdId: '4', items: [devInfo('DevId', header.source), devInfo('Man', 'Contoso'), devInfo('Mod', 'Virtual Machine'), devInfo('DmV', '1.3'), devInfo('Lang', 'en-US')] },
      ],
      final: true,
    }),
  ],
  [
    'SyncML Results, 200 items',
    buildSyncML({
      header: { ...header, msgId: '2' },
      commands: [
        { kind: 'Status', cmdId: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', data: '200' },
        { kind: 'Results', cmdId: '2', msgRef: '1', cmdRef: '3', items: Array.from({ length: 200 }, (_, i) => ({ source: `./Device/Vendor/MSFT/Policy/Result/Area${i}/Setting${i}`, meta: { format: 'int' }, data: String(i) })) },
      ],
      final: true,
    }),
  ],
  [
    'MS-MDE2 RequestSecurityToken (PKCS#10, 12 context items)',
    buildRequestSecurityToken({
      messageId: 'urn:uuid:0d5a1441-5891-453b-becf-a2e5f6ea3749',
      to: 'https://mdm.baton.test/EnrollmentServer/Enrollment.svc',
      csrBase64: Buffer.alloc(700, 7).toString('base64'),
      headerToken: { valueType: 'urn:ietf:params:oauth:token-type:jwt', value: Buffer.alloc(1200, 3).toString('base64') },
      additionalContext: ['UXInitiated', 'HWDevID', 'Locale', 'TargetedUserLoggedIn', 'OSEdition', 'DeviceName', 'MAC', 'MAC', 'DeviceID', 'EnrollmentType', 'DeviceType', 'OSVersion'].map((n, i) => [n, `value-${i}`] as [string, string]),
    }),
  ],
];

const baseline = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: true, processEntities: false, htmlEntities: false, parseTagValue: false, parseAttributeValue: false, trimValues: false, cdataPropName: '#cdata', ignoreDeclaration: true, ignorePiTags: true });
const readers: Array<[string, (doc: string) => unknown]> = [
  ['Baton reader (parseXml)', (doc) => parseXml(doc)],
  ['baseline: fast-xml-parser validate + parse', (doc) => (XMLValidator.validate(doc) === true ? baseline.parse(doc) : undefined)],
];

// --iterations is for a 1 kB document; larger ones get proportionally fewer.
const iterationsFor = (doc: string) => Math.max(200, Math.round((iterations * 1000) / Buffer.byteLength(doc)));

function perSecond(read: (doc: string) => unknown, doc: string): number {
  const count = iterationsFor(doc);
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) read(doc);
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

for (const [title, doc] of documents) {
  for (const [, read] of readers) perSecond(read, doc); // warm-up
  const runs = readers.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) readers.forEach(([, read], k) => runs[k]!.push(perSecond(read, doc)));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\n${title}: ${Buffer.byteLength(doc)} bytes, ${iterationsFor(doc)} parses × ${rounds} rounds, median`);
  const rates = runs.map(median);
  readers.forEach(([name], k) => console.log(`  ${name.padEnd(44)} ${Math.round(rates[k]!).toLocaleString('en-US').padStart(9)} docs/s  ${(1e6 / rates[k]!).toFixed(1).padStart(7)} µs/doc`));
  console.log(`  Baton ÷ baseline: ${(rates[0]! / rates[1]!).toFixed(2)}×`);
}
