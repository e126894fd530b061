import fc from 'fast-check';
import { digits, nonEmptyToken, xmlText, xmlToken } from './arbitraries.js';
import type { SyncMLCommand, SyncMLItem, SyncMLMessage } from '../syncml/types.js';

export const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

export function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const item: fc.Arbitrary<SyncMLItem> = fc
  .record({
    target: opt(xmlToken()),
    source: opt(xmlToken()),
    meta: opt(fc.record({ format: opt(xmlToken(8)), type: opt(xmlToken()) }).map(defined)),
    data: opt(xmlText(80)),
  })
  .map(defined);

const items = fc.array(item, { maxLength: 3 });

const leaf: fc.Arbitrary<SyncMLCommand> = fc.oneof(
  fc
    .record({
      kind: fc.constant('Status' as const),
      cmdId: digits(),
      msgRef: xmlToken(6),
      cmdRef: xmlToken(6),
      cmd: xmlToken(10),
      targetRef: opt(xmlToken()),
      sourceRef: opt(xmlToken()),
      chal: opt(fc.record({ type: opt(xmlToken()), format: opt(xmlToken()), nextNonce: opt(xmlToken()) }).map(defined)),
      data: xmlToken(4),
    })
    .map(defined),
  fc
    .record({ kind: fc.constant('Results' as const), cmdId: digits(), msgRef: opt(xmlToken(6)), cmdRef: xmlToken(6), items })
    .map(defined),
  fc.record({ kind: fc.constant('Alert' as const), cmdId: digits(), data: xmlToken(5), items }),
  fc.record({ kind: fc.constantFrom('Get' as const, 'Add' as const, 'Replace' as const, 'Delete' as const, 'Exec' as const), cmdId: digits(), items }),
);

const command: fc.Arbitrary<SyncMLCommand> = fc.letrec<{ cmd: SyncMLCommand }>((tie) => ({
  cmd: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({
      kind: fc.constantFrom('Atomic' as const, 'Sequence' as const),
      cmdId: digits(),
      commands: fc.array(tie('cmd'), { maxLength: 3 }),
    }),
  ),
})).cmd;

export const syncmlMessage: fc.Arbitrary<SyncMLMessage> = fc.record({
  header: fc
    .record({
      verDTD: fc.constant('1.2'),
      verProto: fc.constant('DM/1.2'),
      sessionId: nonEmptyToken(8),
      msgId: nonEmptyToken(8),
      target: xmlToken(),
      source: nonEmptyToken(),
      sourceName: opt(xmlToken()),
      cred: opt(fc.record({ format: opt(xmlToken(6)), type: xmlToken(), data: xmlToken() }).map(defined)),
      meta: opt(fc.record({ maxMsgSize: opt(fc.nat()), maxObjSize: opt(fc.nat()) }).map(defined)),
    })
    .map(defined),
  commands: fc.array(command, { maxLength: 6 }),
  final: fc.boolean(),
});

