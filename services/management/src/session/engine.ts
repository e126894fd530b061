/**
 * The OMA-DM session engine: one authenticated device message in, the server's reply
 * out. It answers every device command with a Status, files the device's Status and
 * Results against the commands it sent, and hands the device what is queued for it.
 * It does no I/O besides the store, so it runs the same behind any transport.
 *
 * Correlation: a command the server sends is remembered as (enrollment, SessionID,
 * MsgID of the reply, CmdID); the device's Status/Results name it by (SessionID,
 * MsgRef, CmdRef). The reply echoes the device's MsgID, so MsgRef is the MsgID of the
 * device message that got the command.
 *
 * Session and message numbering (OMA-DM 1.2 Protocol §8.1, SyncML RepPro §5.1: a MsgID is
 * unique and increasing within a session; a session begins with Alert 1200/1201):
 * - SessionID is 1–32 letters or digits (Windows writes a hex counter); MsgID is a decimal
 *   integer from 1 to 2^31−1. Anything else is refused.
 * - A message that carries Alert 1200/1201 opens a session. Reusing a SessionID that has
 *   ended is allowed only this way: the DM client's counter is not unique across reboots
 *   and re-enrollments, and the spec asks uniqueness only among live sessions.
 * - Any other message must continue an open session with a MsgID greater than the last
 *   one seen. A repeated MsgID is refused rather than replayed: its commands may already
 *   have been acted on, and a device that lost our reply starts a new session anyway, in
 *   which whatever was in flight is sent again.
 * - A refused message gets only a SyncHdr Status 400 and leaves nothing behind: no session
 *   row, no stored request, no queue change. The outcome says why, so the route records the
 *   refusal in the event feed (a failed `omadmSession`), never a session end.
 */
import { AlertCode, StatusCode, type SyncMLChal, type SyncMLCommand, type SyncMLItem, type SyncMLMessage, type SyncMLStatus } from '@baton/protocols';
import type { CommandPayload, Enrollment, Inventory, ManagementStore, QueuedCommand, SentCommand, SessionAuth, SessionLimits } from '../store/store.js';
import { isPendingState, settledState } from './actions.js';
import { healthReportStamp } from './defender-health.js';
import { inventoryKey, inventoryValue, MAX_INVENTORY_VALUES_PER_MESSAGE } from './inventory.js';
import { MessageBudget, SERVER_MAX_MSG_SIZE } from './message-budget.js';

export interface SessionInput {
  message: SyncMLMessage;
  enrollment: Enrollment;
  /** The request body as received, kept (compressed) for audit. */
  rawBody: string;
  /** The server's own LocURI (the MDM.svc URL), written as SyncHdr/Source. */
  serverUrl: string;
  now?: Date;
  /** Commands handed out per reply; the rest follow in the next message of the session. */
  maxCommandsPerMessage?: number;
  /** How the device proved itself; a digest Cred is answered with 212 and the next nonce. */
  auth?: { method: SessionAuth; headerStatus?: string; chal?: SyncMLChal };
  /**
   * The caller read, as this session opened, that nothing was queued for the device or in
   * flight to it, and queued nothing since: the queue is not read. A command queued by then
   * goes at the next session, as one queued a moment after the queue was read would.
   */
  nothingQueued?: boolean;
}

export interface SessionOutcome {
  reply: SyncMLMessage;
  /** Commands handed to the device in this reply. */
  sent: number;
  /** Device Status elements that matched a command we sent. */
  answered: number;
  /** True when this reply closes the session: nothing left queued or in flight. */
  complete: boolean;
  state: Enrollment['managementState'];
  /** Inventory values this message brought (compliance re-evaluates on them). */
  reported?: Inventory;
  /** Set when the message was refused and nothing of it was kept: the SyncHdr status and why. */
  refused?: { status: string; reason: string };
  /**
   * A routine poll: one message that opened and ended the session with nothing sent, nothing
   * answered, no inventory value and no state changed. It leaves its session row, its raw
   * request and `lastSyncDateTime`, but no event: a device polling on schedule would
   * otherwise fill its timeline with identical check-ins.
   */
  idle?: boolean;
}

const DEFAULT_MAX_COMMANDS = 20;
const UNENROLL_TYPE = /mdm\.unenrollment/i;
const SESSION_START_ALERTS: ReadonlySet<string> = new Set([AlertCode.ClientInitiatedSession, AlertCode.ServerInitiatedSession]);

const SESSION_ID_RE = /^[0-9A-Za-z]{1,32}$/;
const MSG_ID_RE = /^[1-9][0-9]{0,9}$/;
const MAX_MSG_ID = 2 ** 31 - 1;

/** Whether the header's SessionID and MsgID are of the shape the numbering rules need. */
export function validHeaderIds(message: SyncMLMessage): boolean {
  const { sessionId, msgId } = message.header;
  return SESSION_ID_RE.test(sessionId) && MSG_ID_RE.test(msgId) && Number(msgId) <= MAX_MSG_ID;
}

/** CmdIDs of one reply, in order; an Atomic takes one for itself and one per child. */
interface CmdIds {
  /** Takes `span` ids and returns the first. */
  next(span?: number): string;
  /** The id the next command would get. */
  peek(): string;
}

/** Builds the reply skeleton: header for the device, and the SyncHdr Status as CmdID 1. */
function replyFor(message: SyncMLMessage, serverUrl: string, headerStatus: string, chal?: SyncMLChal): { reply: SyncMLMessage; ids: CmdIds; nextCmdId: () => string } {
  let cmdId = 0;
  const ids: CmdIds = {
    next(span = 1) {
      const first = cmdId + 1;
      cmdId += span;
      return String(first);
    },
    peek: () => String(cmdId + 1),
  };
  const nextCmdId = () => ids.next();
  const h = message.header;
  const headerStatusCmd: SyncMLStatus = {
    kind: 'Status',
    cmdId: nextCmdId(),
    msgRef: h.msgId,
    cmdRef: '0',
    cmd: 'SyncHdr',
    data: headerStatus,
  };
  if (h.target) headerStatusCmd.targetRef = h.target;
  headerStatusCmd.sourceRef = h.source;
  if (chal) headerStatusCmd.chal = chal;
  const reply: SyncMLMessage = {
    header: {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionId: h.sessionId,
      // An unusable MsgID is not echoed: the reply's own MsgID must still be a valid one.
      msgId: validHeaderIds(message) ? h.msgId : '1',
      target: h.source,
      // Our own address rather than an echo of whatever the device put in Target.
      source: serverUrl,
      // What the device's messages may weigh: the codec's own bound.
      meta: { maxMsgSize: SERVER_MAX_MSG_SIZE },
    },
    commands: [headerStatusCmd],
    final: true,
  };
  return { reply, ids, nextCmdId };
}

/**
 * The reply to a message the server will not act on: SyncHdr Status 401 (credentials
 * rejected) or 407 (none presented), no commands. Nothing is stored.
 */
export function rejectMessage(message: SyncMLMessage, status: string, serverUrl: string, chal?: SyncMLChal): SyncMLMessage {
  return replyFor(message, serverUrl, status, chal).reply;
}

function isUnenroll(cmd: SyncMLCommand): boolean {
  return cmd.kind === 'Alert' && cmd.data === AlertCode.GenericUnenroll && cmd.items.some((i) => UNENROLL_TYPE.test(i.meta?.type ?? ''));
}

export async function runSession(store: ManagementStore, input: SessionInput): Promise<SessionOutcome> {
  return store.transaction((tx) => runSessionInTx(tx, input));
}

async function runSessionInTx(store: ManagementStore, input: SessionInput): Promise<SessionOutcome> {
  const { message } = input;
  const { sessionId, msgId } = message.header;
  const subject = await store.lockEnrollmentForMessage(input.enrollment.id, sessionId);
  // Re-enrolled (and so removed) between authentication and now.
  if (!subject) {
    const reply = rejectMessage(message, StatusCode.InvalidCredentials, input.serverUrl);
    const refused = { status: StatusCode.InvalidCredentials, reason: 'the enrollment was removed while the message was on its way' };
    return { reply, sent: 0, answered: 0, complete: true, state: input.enrollment.managementState, refused };
  }
  const { enrollment, session: previous, anyOpen } = subject;
  const now = (input.now ?? new Date()).toISOString();
  const refuse = (reason: string): SessionOutcome => ({
    reply: rejectMessage(message, StatusCode.BadRequest, input.serverUrl),
    sent: 0,
    answered: 0,
    complete: true,
    state: enrollment.managementState,
    refused: { status: StatusCode.BadRequest, reason },
  });
  if (!validHeaderIds(message)) return refuse('SessionID or MsgID is not a valid number');
  const startsSession = message.commands.some((c) => c.kind === 'Alert' && SESSION_START_ALERTS.has(c.data));
  if (previous && !previous.ended && Number(msgId) <= Number(previous.lastMsgId)) return refuse('MsgID does not follow the session\'s last message');
  if (!startsSession && (!previous || previous.ended)) return refuse('a message continuing a session that is not open');

  const headerStatus = input.auth?.headerStatus ?? StatusCode.Ok;
  const { reply, ids, nextCmdId } = replyFor(message, input.serverUrl, headerStatus, input.auth?.chal);
  const stated: SessionLimits = {};
  if (message.header.meta?.maxMsgSize !== undefined) stated.maxMsgSize = message.header.meta.maxMsgSize;
  if (message.header.meta?.maxObjSize !== undefined) stated.maxObjSize = message.header.meta.maxObjSize;
  // A limit stated earlier in the session holds until the device states another.
  const limits: SessionLimits = { ...(startsSession || !previous ? {} : previous.limits), ...stated };
  // A message without a session-start Alert got here only by continuing an open session.
  const opened = startsSession;
  const outcome = await actOnMessage(store, input, { enrollment, now, opened, limits, headerStatus, reply, ids, nextCmdId });
  // The session's row is written once, as the message is done with: a one-message poll
  // inserts it ended, rather than inserting it and updating it moments later.
  await store.recordSessionMessage({
    enrollmentId: enrollment.id,
    sessionId,
    msgId,
    at: now,
    opens: opened,
    endedAt: outcome.complete ? now : null,
    auth: input.auth?.method ?? 'certificate',
    limits: stated,
    endsOpenSessions: anyOpen,
  });
  return outcome;
}

interface MessageContext {
  enrollment: Enrollment;
  now: string;
  opened: boolean;
  limits: SessionLimits;
  headerStatus: string;
  reply: SyncMLMessage;
  ids: CmdIds;
  nextCmdId: () => string;
}

/** Everything a valid message does besides its session row; `complete` says whether it ended the session. */
async function actOnMessage(store: ManagementStore, input: SessionInput, context: MessageContext): Promise<SessionOutcome> {
  const { message } = input;
  const { enrollment, now, opened, limits, headerStatus, reply, ids, nextCmdId } = context;
  const { sessionId, msgId } = message.header;
  // Whatever was in flight belonged to a session the device has since left.
  if (opened && !input.nothingQueued) await store.requeueInFlight(enrollment.id);
  await store.recordRawRequest(enrollment.id, sessionId, msgId, input.rawBody, now);

  const inventory: Inventory = {};
  let inventoryCount = 0;
  const keep = (locUri: string | undefined, data: string | undefined) => {
    const key = inventoryKey(locUri);
    const value = inventoryValue(data);
    if (key === undefined || value === undefined || inventoryCount >= MAX_INVENTORY_VALUES_PER_MESSAGE) return;
    inventory[key] = value;
    inventoryCount++;
  };

  let answered = 0;
  let retire = false;
  let aborted = false;
  // Results without MsgRef answer a command of the message whose Status shares their CmdRef.
  const msgRefByCmdRef = new Map<string, string>();
  for (const cmd of message.commands) if (cmd.kind === 'Status' && cmd.cmdRef !== '0') msgRefByCmdRef.set(cmd.cmdRef, cmd.msgRef);

  // Statuses that match no command of ours may answer children of an Atomic, by message.
  const childStatuses = new Map<string, Map<string, string>>();
  for (const cmd of message.commands) {
    switch (cmd.kind) {
      case 'Status': {
        if (cmd.cmdRef === '0') break;
        const matched = await store.recordStatus({ enrollmentId: enrollment.id, sessionId, msgRef: cmd.msgRef, cmdRef: cmd.cmdRef }, cmd.data);
        if (matched) answered++;
        else if (cmd.cmd === 'Add' || cmd.cmd === 'Replace') {
          const byCmdRef = childStatuses.get(cmd.msgRef) ?? new Map<string, string>();
          // A child answered twice keeps its first Status, as a command does.
          if (!byCmdRef.has(cmd.cmdRef)) byCmdRef.set(cmd.cmdRef, cmd.data);
          childStatuses.set(cmd.msgRef, byCmdRef);
        }
        break;
      }
      case 'Results': {
        const msgRef = cmd.msgRef ?? msgRefByCmdRef.get(cmd.cmdRef);
        const items = cmd.items.map((i) => ({ locUri: i.source ?? i.target, data: i.data, format: i.meta?.format, type: i.meta?.type }));
        for (const item of items) keep(item.locUri, item.data);
        if (msgRef !== undefined) {
          await store.recordResult({ enrollmentId: enrollment.id, sessionId, msgRef, cmdRef: cmd.cmdRef }, items);
        }
        break;
      }
      case 'Alert':
        if (isUnenroll(cmd)) retire = true;
        if (cmd.data === AlertCode.SessionAbort) aborted = true;
        reply.commands.push(statusFor(cmd, message.header.msgId, nextCmdId()));
        break;
      case 'Replace':
      case 'Add':
        for (const item of cmd.items) keep(item.target ?? item.source, item.data);
        reply.commands.push(statusFor(cmd, message.header.msgId, nextCmdId()));
        break;
      default:
        reply.commands.push(statusFor(cmd, message.header.msgId, nextCmdId()));
    }
  }

  for (const [msgRef, statuses] of childStatuses) answered += await store.recordChildStatuses(enrollment.id, sessionId, msgRef, statuses);

  // Most polls report the same DevInfo as the last one: write only what changed.
  const changed: Inventory = {
    ...Object.fromEntries(Object.entries(inventory).filter(([key, value]) => enrollment.inventory[key] !== value)),
    // Graph's lastReportedDateTime of the Defender health, set only when management asked for it.
    ...healthReportStamp(inventory, now),
  };
  if (Object.keys(changed).length > 0) await store.updateEnrollment(enrollment.id, { inventory: changed });

  let state = enrollment.managementState;
  // The device's Status for a wipe or retire moves the enrollment on from "pending".
  if (answered > 0 && isPendingState(state)) {
    const settled = settledState(state, await store.listDeviceActions([enrollment.id]));
    if (settled !== state) {
      state = settled;
      await store.updateEnrollment(enrollment.id, { managementState: state });
    }
  }

  if (retire || aborted || state === 'retired') {
    if (aborted) await store.requeueInFlight(enrollment.id);
    if (retire) {
      state = 'retired';
      await store.markSynced(enrollment.id, state, now);
    }
    return { reply, sent: 0, answered, complete: true, state, reported: inventory };
  }

  // A device package spread over several messages: ask for the rest before sending work.
  if (!message.final) {
    reply.commands.push({ kind: 'Alert', cmdId: nextCmdId(), data: AlertCode.NextMessage, items: [] });
    reply.final = false;
    return { reply, sent: 0, answered, complete: false, state, reported: inventory };
  }

  const queued = input.nothingQueued && opened ? [] : await store.nextQueued(enrollment.id, input.maxCommandsPerMessage ?? DEFAULT_MAX_COMMANDS);
  // The smallest reply the device can get: the one to a message asking for the next one
  // (SyncHdr Status and a Status for its Alert 1222). What does not fit there never will.
  const floor = replyFor(message, input.serverUrl, headerStatus, input.auth?.chal).reply;
  floor.commands.push({ kind: 'Status', cmdId: '2', msgRef: message.header.msgId, cmdRef: '9999', cmd: 'Alert', data: StatusCode.Ok });
  const budget = new MessageBudget(reply, floor, limits);
  const sent: SentCommand[] = [];
  const tooLarge: string[] = [];
  let deferred = false;
  for (const q of queued) {
    // Sized with the CmdIDs it would get.
    const command = commandFor(q, ids.peek());
    const fit = budget.take(command);
    if (fit === 'never') {
      tooLarge.push(q.commandId);
      continue;
    }
    if (fit === 'later') {
      deferred = true;
      break;
    }
    const children = command.kind === 'Atomic' ? command.commands.length : 0;
    ids.next(1 + children);
    reply.commands.push(command);
    sent.push(command.kind === 'Atomic' ? { commandId: q.commandId, cmdId: command.cmdId, childCmdIds: command.commands.map((c) => c.cmdId) } : { commandId: q.commandId, cmdId: command.cmdId });
  }
  if (tooLarge.length > 0) await store.failQueued(enrollment.id, tooLarge, StatusCode.RequestEntityTooLarge);
  if (sent.length > 0) await store.markSent(enrollment.id, sessionId, msgId, sent);
  // More than fits in this message: no Final, so the device asks for the next one (Alert 1222)
  // within the same session.
  if (deferred) {
    reply.final = false;
    return { reply, sent: sent.length, answered, complete: false, state };
  }

  let complete = false;
  let idle = false;
  if (sent.length === 0) {
    // A new session just put everything in flight back in the queue, and the queue came back
    // empty: nothing is outstanding, no need to count.
    const outstanding = opened && queued.length === 0 ? { queued: 0, sent: 0 } : await store.countOutstanding(enrollment.id);
    if (outstanding.queued === 0 && outstanding.sent === 0) {
      complete = true;
      idle = opened && answered === 0 && Object.keys(changed).length === 0 && state === enrollment.managementState && state !== 'enrolling';
      if (state === 'enrolling') state = 'managed';
      await store.markSynced(enrollment.id, state, now);
    }
  }
  return { reply, sent: sent.length, answered, complete, state, reported: inventory, ...(idle ? { idle } : {}) };
}

function statusFor(cmd: Exclude<SyncMLCommand, { kind: 'Status' | 'Results' }>, msgRef: string, cmdId: string): SyncMLStatus {
  return { kind: 'Status', cmdId, msgRef, cmdRef: cmd.cmdId, cmd: cmd.kind, data: StatusCode.Ok };
}

/** The SyncML for a queued command; an Atomic's children take the CmdIDs after its own. */
function commandFor(q: QueuedCommand, cmdId: string): SyncMLCommand {
  if (q.verb === 'Atomic') {
    const first = Number(cmdId);
    return {
      kind: 'Atomic',
      cmdId,
      commands: (q.children ?? []).map((child, i) => ({ kind: child.verb, cmdId: String(first + 1 + i), items: [itemFor(child.locUri, child.payload ?? {})] })),
    };
  }
  return { kind: q.verb, cmdId, items: [itemFor(q.locUri, q.payload)] };
}

function itemFor(locUri: string, payload: CommandPayload): SyncMLItem {
  const item: SyncMLItem = { target: locUri };
  if (payload.data !== undefined) item.data = payload.data;
  if (payload.format !== undefined || payload.type !== undefined) {
    item.meta = {};
    if (payload.format !== undefined) item.meta.format = payload.format;
    if (payload.type !== undefined) item.meta.type = payload.type;
  }
  return item;
}
