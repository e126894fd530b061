/**
 * The statements every OMA-DM message runs, prepared once (kit's `preparedQuery`): a settled
 * fleet polls all day, and building and compiling these through Kysely on each message cost
 * about as much as SQLite took to run them.
 */
import { preparedQuery } from '@baton/kit';
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { EnrollmentsTable, SessionsTable } from './schema.js';

export const enrollmentById = preparedQuery<{ id: string }, Selectable<EnrollmentsTable>>((db, v) => db.selectFrom('enrollments').selectAll().where('id', '=', v('id')));

/** PostgreSQL only: SQLite has one writer, and its transactions already run one at a time. */
export const enrollmentByIdForUpdate = preparedQuery<{ id: string }, Selectable<EnrollmentsTable>>((db, v) =>
  db.selectFrom('enrollments').selectAll().where('id', '=', v('id')).forUpdate(),
);

export const enrollmentByThumbprint = preparedQuery<{ thumbprint: string }, Selectable<EnrollmentsTable>>((db, v) =>
  db.selectFrom('enrollments').selectAll().where('cert_thumbprint', '=', v('thumbprint')),
);

/** The end of a session that left the device's queue settled. */
export const enrollmentSynced = preparedQuery<{ id: string; state: string; at: string }, never>((db, v) =>
  db.updateTable('enrollments').set({ management_state: v('state'), last_sync_at: v('at') }).where('id', '=', v('id')),
);

/**
 * The enrollment, its latest session with this SessionID (columns prefixed `s_`, null when
 * there is none) and whether any of its sessions is open: the three reads of every message,
 * in one statement. PostgreSQL locks the enrollment row only (`for update of e`: the session
 * side of an outer join cannot be locked, and holding the enrollment serialises the device's
 * messages already).
 */
function enrollmentForMessageQuery(forUpdate: boolean) {
  return preparedQuery<
    { id: string; sessionId: string },
    Selectable<EnrollmentsTable> & { s_last_msg_id: string | null; s_ended_at: string | null; s_auth: string | null; s_max_msg_size: number | null; s_max_obj_size: number | null; any_open: unknown }
  >((db, v) => {
    const query = db
      .selectFrom('enrollments as e')
      .leftJoin('sessions as s', (join) =>
        join.on((eb) =>
          eb(
            's.id',
            '=',
            eb
              .selectFrom('sessions as latest')
              .select('latest.id')
              .whereRef('latest.enrollment_id', '=', 'e.id')
              .where('latest.session_id', '=', v('sessionId'))
              .orderBy('latest.started_at', 'desc')
              .limit(1),
          ),
        ),
      )
      .selectAll('e')
      .select((eb) => [
        's.last_msg_id as s_last_msg_id',
        's.ended_at as s_ended_at',
        's.auth as s_auth',
        's.max_msg_size as s_max_msg_size',
        's.max_obj_size as s_max_obj_size',
        eb.exists(eb.selectFrom('sessions as open').select(sql.lit(1).as('one')).whereRef('open.enrollment_id', '=', 'e.id').where('open.ended_at', 'is', null)).as('any_open'),
      ])
      .where('e.id', '=', v('id'));
    return forUpdate ? query.forUpdate('e') : query;
  });
}

export const enrollmentForMessage = enrollmentForMessageQuery(false);
/** PostgreSQL only, as `enrollmentByIdForUpdate`. */
export const enrollmentForMessageForUpdate = enrollmentForMessageQuery(true);

export const latestSessionWithId = preparedQuery<
  { enrollmentId: string; sessionId: string },
  Pick<Selectable<SessionsTable>, 'last_msg_id' | 'ended_at' | 'auth' | 'max_msg_size' | 'max_obj_size'>
>((db, v) =>
  db
    .selectFrom('sessions')
    .select(['last_msg_id', 'ended_at', 'auth', 'max_msg_size', 'max_obj_size'])
    .where('enrollment_id', '=', v('enrollmentId'))
    .where('session_id', '=', v('sessionId'))
    .orderBy('started_at', 'desc')
    .limit(1),
);

/** A new session ends whatever session of the device was still open. */
export const endOpenSessions = preparedQuery<{ enrollmentId: string; at: string }, never>((db, v) =>
  db.updateTable('sessions').set({ ended_at: v('at') }).where('enrollment_id', '=', v('enrollmentId')).where('ended_at', 'is', null),
);

export const insertSession = preparedQuery<
  { id: string; enrollmentId: string; sessionId: string; msgId: string; at: string; endedAt: string | null; auth: string; maxMsgSize?: number; maxObjSize?: number },
  never
>((db, v) =>
  db.insertInto('sessions').values({
    id: v('id'),
    enrollment_id: v('enrollmentId'),
    session_id: v('sessionId'),
    last_msg_id: v('msgId'),
    started_at: v('at'),
    ended_at: v('endedAt'),
    auth: v('auth'),
    max_msg_size: v('maxMsgSize'),
    max_obj_size: v('maxObjSize'),
  }),
);

/** A later message of the open session: limits it states replace the stored ones, absent ones stay. */
export const continueSession = preparedQuery<
  { enrollmentId: string; sessionId: string; msgId: string; endedAt: string | null; maxMsgSize?: number; maxObjSize?: number },
  never
>((db, v) =>
  db
    .updateTable('sessions')
    .set({
      last_msg_id: v('msgId'),
      max_msg_size: sql<number>`coalesce(${v('maxMsgSize')}, max_msg_size)`,
      max_obj_size: sql<number>`coalesce(${v('maxObjSize')}, max_obj_size)`,
      ended_at: sql<string>`coalesce(${v('endedAt')}, ended_at)`,
    })
    .where('enrollment_id', '=', v('enrollmentId'))
    .where('session_id', '=', v('sessionId'))
    .where('ended_at', 'is', null),
);

export const insertRawRequest = preparedQuery<{ id: string; enrollmentId: string; sessionId: string; msgId: string; bodyGzip: string; at: string }, never>((db, v) =>
  db.insertInto('raw_requests').values({
    id: v('id'),
    enrollment_id: v('enrollmentId'),
    session_id: v('sessionId'),
    msg_id: v('msgId'),
    body_gzip: v('bodyGzip'),
    received_at: v('at'),
  }),
);
