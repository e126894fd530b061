import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejectsWith } from '../testing/assert.js';
import { parseSyncML } from './parse.js';

const HDR = '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>5</SessionID><MsgID>3</MsgID><Target><LocURI>https://s</LocURI></Target><Source><LocURI>{D}</LocURI></Source></SyncHdr>';
const wrap = (body: string, ns = 'SYNCML:SYNCML1.2') => `<SyncML xmlns="${ns}">${HDR}<SyncBody>${body}</SyncBody></SyncML>`;

test('accepts SyncML 1.1 and prefixed element names', () => {
  assert.equal(parseSyncML(wrap('<Final/>', 'SYNCML:SYNCML1.1')).final, true);
  const prefixed = `<s:SyncML xmlns:s="SYNCML:SYNCML1.2"><s:SyncHdr><s:VerDTD>1.1</s:VerDTD><s:VerProto>DM/1.1</s:VerProto><s:SessionID>1</s:SessionID><s:MsgID>1</s:MsgID><s:Target><s:LocURI>t</s:LocURI></s:Target><s:Source><s:LocURI>src</s:LocURI><s:LocName>n</s:LocName></s:Source></s:SyncHdr><s:SyncBody><s:Get><s:CmdID>2</s:CmdID><s:Item><s:Target><s:LocURI>./a</s:LocURI></s:Target><s:Meta><m:Format xmlns:m="syncml:metinf">int</m:Format></s:Meta></s:Item></s:Get><s:Final></s:Final></s:SyncBody></s:SyncML>`;
  const msg = parseSyncML(prefixed);
  assert.equal(msg.header.verDTD, '1.1');
  assert.equal(msg.header.sourceName, 'n');
  assert.equal(msg.final, true);
  assert.deepStrictEqual(msg.commands, [{ kind: 'Get', cmdId: '2', items: [{ target: './a', meta: { format: 'int' } }] }]);
});

test('keeps document order across different verbs', () => {
  const body =
    '<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>' +
    '<Results><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>4</CmdRef><Item><Source><LocURI>./a</LocURI></Source><Data>1</Data></Item></Results>' +
    '<Status><CmdID>3</CmdID><MsgRef>1</MsgRef><CmdRef>5</CmdRef><Cmd>Replace</Cmd><TargetRef>./b</TargetRef><Data>404</Data></Status>' +
    '<Atomic><CmdID>4</CmdID><Add><CmdID>5</CmdID><Item><Target><LocURI>./c</LocURI></Target></Item></Add><Replace><CmdID>6</CmdID></Replace></Atomic>' +
    '<Exec><CmdID>7</CmdID></Exec>';
  const msg = parseSyncML(wrap(body));
  assert.deepStrictEqual(msg.commands.map((c) => c.kind), ['Status', 'Results', 'Status', 'Atomic', 'Exec']);
  const atomic = msg.commands[3];
  assert.ok(atomic.kind === 'Atomic');
  assert.deepStrictEqual(atomic.commands.map((c) => [c.kind, c.cmdId]), [['Add', '5'], ['Replace', '6']]);
  assert.equal(msg.final, false);
});

test('Data keeps escaped XML as text, CDATA verbatim, and raw markup re-serialised', () => {
  const body =
    '<Replace><CmdID>2</CmdID>' +
    '<Item><Data>&lt;wap-provisioningdoc&gt;&lt;/wap-provisioningdoc&gt;</Data></Item>' +
    '<Item><Data><![CDATA[<x a="1">&amp;</x>]]></Data></Item>' +
    '<Item><Data><MsiInstallJob id="{1}"><Product/></MsiInstallJob></Data></Item>' +
    '<Item><Data>  spaced  </Data></Item>' +
    '</Replace>';
  const msg = parseSyncML(wrap(body));
  const cmd = msg.commands[0];
  assert.ok(cmd.kind === 'Replace');
  assert.deepStrictEqual(cmd.items.map((i) => i.data), [
    '<wap-provisioningdoc></wap-provisioningdoc>',
    '<x a="1">&amp;</x>',
    '<MsiInstallJob id="{1}"><Product/></MsiInstallJob>',
    '  spaced  ',
  ]);
});

test('reads header credentials, MaxMsgSize and status challenges', () => {
  const xml = `<SyncML><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>2</MsgID><Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI></Source>
    <Cred><Meta><Format xmlns="syncml:metinf">b64</Format><Type xmlns="syncml:metinf">syncml:auth-md5</Type></Meta><Data>ZGlnZXN0</Data></Cred>
    <Meta><MaxMsgSize xmlns="syncml:metinf">65536</MaxMsgSize></Meta></SyncHdr>
    <SyncBody><Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Chal><Meta><Format xmlns="syncml:metinf">b64</Format><Type xmlns="syncml:metinf">syncml:auth-md5</Type><NextNonce xmlns="syncml:metinf">bm9uY2U=</NextNonce></Meta></Chal><Data>401</Data></Status><Final/></SyncBody></SyncML>`;
  const msg = parseSyncML(xml);
  assert.deepStrictEqual(msg.header.cred, { format: 'b64', type: 'syncml:auth-md5', data: 'ZGlnZXN0' });
  assert.deepStrictEqual(msg.header.meta, { maxMsgSize: 65536 });
  assert.deepStrictEqual(msg.commands[0], {
    kind: 'Status', cmdId: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', data: '401',
    chal: { type: 'syncml:auth-md5', format: 'b64', nextNonce: 'bm9uY2U=' },
  });
});

test('rejects structurally invalid messages with specific codes', () => {
  rejectsWith('xml.malformed', () => parseSyncML('not xml at all'));
  rejectsWith('xml.malformed', () => parseSyncML(''));
  rejectsWith('syncml.root', () => parseSyncML('<Envelope/>'));
  rejectsWith('syncml.header', () => parseSyncML('<SyncML><SyncBody/></SyncML>'));
  rejectsWith('syncml.body', () => parseSyncML(`<SyncML>${HDR}</SyncML>`));
  rejectsWith('syncml.sessionid', () => parseSyncML(wrap('').replace('<SessionID>5</SessionID>', '')));
  rejectsWith('syncml.msgid', () => parseSyncML(wrap('').replace('<MsgID>3</MsgID>', '<MsgID> </MsgID>')));
  rejectsWith('syncml.source', () => parseSyncML(wrap('').replace('<Source><LocURI>{D}</LocURI></Source>', '<Source/>')));
  rejectsWith('syncml.cmdid', () => parseSyncML(wrap('<Get><Item/></Get>')));
  rejectsWith('syncml.cmdid', () => parseSyncML(wrap('<Get><CmdID>3a</CmdID></Get>')));
  rejectsWith('syncml.cmdid', () => parseSyncML(wrap('<Atomic><CmdID>1</CmdID><Add><CmdID/></Add></Atomic>')));
  rejectsWith('syncml.meta', () => parseSyncML(wrap('').replace('</Source>', '</Source><Meta><MaxMsgSize>big</MaxMsgSize></Meta>')));
  rejectsWith('xml.size', () => parseSyncML(wrap(`<Alert><CmdID>1</CmdID><Data>${'x'.repeat(600_000)}</Data></Alert>`)));
  rejectsWith('xml.size', () => parseSyncML(wrap(''), { maxBytes: 100 }));
  rejectsWith('xml.dtd', () => parseSyncML(`<!DOCTYPE SyncML SYSTEM "http://www.openmobilealliance.org/tech/DTD/OMA-TS-SyncML_RepPro_DTD-V1_2.dtd">${wrap('')}`));
});
