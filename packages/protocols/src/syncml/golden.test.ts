import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlertCode } from './constants.js';
import { buildSyncML } from './build.js';
import { parseSyncML } from './parse.js';

// First message of a Windows client-initiated session, in the layout the native DM client
// uses: pretty-printed, CmdIDs starting at 2, no header Meta, Meta Format `chr` on each item.
const WINDOWS_PACKAGE_1 = `<SyncML xmlns="SYNCML:SYNCML1.2">
  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>1</SessionID>
    <MsgID>1</MsgID>
    <Target>
      <LocURI>https://mdm.baton.test/ManagementServer/MDM.svc</LocURI>
    </Target>
    <Source>
      <LocURI>{4F1D3A5C-2B7E-4C9A-8D61-0E5F7A9B3C21}</LocURI>
    </Source>
  </SyncHdr>
  <SyncBody>
    <Alert>
      <CmdID>2</CmdID>
      <Data>1201</Data>
    </Alert>
    <Alert>
      <CmdID>3</CmdID>
      <Data>1224</Data>
      <Item>
        <Meta>
          <Type xmlns="syncml:metinf">com.microsoft/MDM/LoginStatus</Type>
        </Meta>
        <Data>others</Data>
      </Item>
    </Alert>
    <Replace>
      <CmdID>4</CmdID>
      <Item>
        <Source>
          <LocURI>./DevInfo/DevId</LocURI>
        </Source>
        <Meta>
          <Format xmlns="syncml:metinf">chr</Format>
        </Meta>
        <Data>{4F1D3A5C-2B7E-4C9A-8D61-0E5F7A9B3C21}</Data>
      </Item>
      <Item>
        <Source>
          <LocURI>./DevInfo/Man</LocURI>
        </Source>
        <Meta>
          <Format xmlns="syncml:metinf">chr</Format>
        </Meta>
        <Data>Contoso Hardware &amp; Co.</Data>
      </Item>
      <Item>
        <Source>
          <LocURI>./DevInfo/Mod</LocURI>
        </Source>
        <Meta>
          <Format xmlns="syncml:metinf">chr</Format>
        </Meta>
        <Data>Virtual Machine</Data>
      </Item>
      <Item>
        <Source>
          <LocURI>./DevInfo/DmV</LocURI>
        </Source>
        <Meta>
          <Format xmlns="syncml:metinf">chr</Format>
        </Meta>
        <Data>1.3</Data>
      </Item>
      <Item>
        <Source>
          <LocURI>./DevInfo/Lang</LocURI>
        </Source>
        <Meta>
          <Format xmlns="syncml:metinf">chr</Format>
        </Meta>
        <Data>en-US</Data>
      </Item>
    </Replace>
    <Final/>
  </SyncBody>
</SyncML>
`;

test('Windows package 1 parses into header, alerts and DevInfo replace in order', () => {
  const msg = parseSyncML(WINDOWS_PACKAGE_1);
  assert.deepStrictEqual(msg.header, {
    verDTD: '1.2',
    verProto: 'DM/1.2',
    sessionId: '1',
    msgId: '1',
    target: 'https://mdm.baton.test/ManagementServer/MDM.svc',
    source: '{4F1D3A5C-2B7E-4C9A-8D61-0E5F7A9B3C21}',
  });
  assert.equal(msg.final, true);
  assert.deepStrictEqual(
    msg.commands.map((c) => [c.kind, c.cmdId]),
    [['Alert', '2'], ['Alert', '3'], ['Replace', '4']],
  );
  const [session, login, replace] = msg.commands;
  assert.ok(session.kind === 'Alert' && session.data === AlertCode.ClientInitiatedSession);
  assert.deepStrictEqual(login, {
    kind: 'Alert',
    cmdId: '3',
    data: '1224',
    items: [{ meta: { type: 'com.microsoft/MDM/LoginStatus' }, data: 'others' }],
  });
  assert.ok(replace.kind === 'Replace');
  assert.deepStrictEqual(
    replace.items.map((i) => [i.source, i.meta?.format, i.data]),
    [
      ['./DevInfo/DevId', 'chr', '{4F1D3A5C-2B7E-4C9A-8D61-0E5F7A9B3C21}'],
      ['./DevInfo/Man', 'chr', 'Contoso Hardware & Co.'],
      ['./DevInfo/Mod', 'chr', 'Virtual Machine'],
      ['./DevInfo/DmV', 'chr', '1.3'],
      ['./DevInfo/Lang', 'chr', 'en-US'],
    ],
  );
});

test('Windows package 1 survives a rebuild unchanged', () => {
  const msg = parseSyncML(WINDOWS_PACKAGE_1);
  assert.deepStrictEqual(parseSyncML(buildSyncML(msg)), msg);
});

test('built output is SyncML 1.2 with metinf Meta and escaped text', () => {
  const xml = buildSyncML({
    header: { verDTD: '1.1', verProto: 'DM/1.1', sessionId: '7', msgId: '2', target: '{DEV}', source: 'https://s/ManagementServer/MDM.svc' },
    commands: [
      { kind: 'Status', cmdId: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', data: '200' },
      { kind: 'Replace', cmdId: '2', items: [{ target: './Vendor/MSFT/X', meta: { format: 'chr', type: 'text/plain' }, data: '<a b="c">&</a>' }] },
    ],
    final: true,
  });
  assert.ok(xml.startsWith('<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>'));
  assert.ok(xml.includes('<Meta><Format xmlns="syncml:metinf">chr</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta>'));
  assert.ok(xml.includes('<Data>&lt;a b="c"&gt;&amp;&lt;/a&gt;</Data>'));
  assert.ok(xml.endsWith('<Final/></SyncBody></SyncML>'));
});
