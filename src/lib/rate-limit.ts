import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { FastifyReply } from 'fastify';
import { sql } from 'kysely';
import type { Database, Executor } from '../db/index.ts';
import { Refusal } from './errors.ts';
import { message } from './i18n.ts';

/*
 * Rate limits on the public forms that write (registration for an event, a contest entry, a
 * delegation): fixed-window counters in the database (table rate_limits), so that every instance
 * sharing it counts the same hits. Each form counts one hit against its sender's address and one
 * against the email address it gives; over either limit it is refused with 429 and Retry-After,
 * and nothing is written, not even the count.
 *
 * Only a form that passed its own checks is counted, just before its service writes: a form
 * refused for a typo writes nothing and costs nothing, and it does not use up the budget of an
 * office whose people all come through one address. A multipart form with files looks at the
 * counts, without counting, before any file is read (`peekLimits`).
 *
 * The values are for a forum of about 200 people, many of whom may register from one office
 * behind one NAT address: generous per address, strict per email address.
 */

export type RateLimit = { name: string; max: number; windowSeconds: number };

const MINUTE = 60;
const HOUR = 60 * MINUTE;

/**
 * 20 registrations from one address per 10 minutes: an office sending its colleagues after the
 * invitation rarely has more than a couple a minute reach the form, but 200 at once is a script.
 * At most 120 an hour: a script from one address cannot fill a forum before someone notices.
 */
export const REGISTRATIONS_PER_ADDRESS: RateLimit = { name: 'registration:address', max: 20, windowSeconds: 10 * MINUTE };
/**
 * 5 registrations per email address per hour, whatever the events: one person registers once per
 * event (a repeat only mails the link again), and seldom for more than a few of the events open at
 * one time in one sitting. Each one mails that address: this is what bounds the mail a stranger
 * can make us send to somebody else's inbox.
 */
export const REGISTRATIONS_PER_EMAIL: RateLimit = { name: 'registration:email', max: 5, windowSeconds: HOUR };
/**
 * 10 contest entries from one address per hour: a firm's or a school's entries are a handful,
 * entered one by one; each may carry 15 MB of files, so this also bounds what one address can
 * store in an hour (150 MB, under the contest's own quota).
 */
export const ENTRIES_PER_ADDRESS: RateLimit = { name: 'entry:address', max: 10, windowSeconds: HOUR };
/** 5 entries per contact email address per hour: a teacher entering several students' inventions. */
export const ENTRIES_PER_EMAIL: RateLimit = { name: 'entry:email', max: 5, windowSeconds: HOUR };
/**
 * 10 delegations from one address per hour: a programme takes a few delegations, each entered by
 * its own leader; an office registering two or three is already a lot.
 */
export const DELEGATIONS_PER_ADDRESS: RateLimit = { name: 'delegation:address', max: 10, windowSeconds: HOUR };
/** 3 delegations per contact email address per hour: one leader, one delegation, and a retry or two. */
export const DELEGATIONS_PER_EMAIL: RateLimit = { name: 'delegation:email', max: 3, windowSeconds: HOUR };

/** The longest window of the limits above: rows of windows that ended before it are deleted. */
const LONGEST_WINDOW_SECONDS = HOUR;

export type Hit = { limit: RateLimit; subject: string };
export type LimitResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Who an address is for counting: an IPv4 address as it is (also when mapped into IPv6), an IPv6
 * address by its /64 network, which is what one household or office is given.
 */
export function addressSubject(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * Who an email address is for counting: lower case, without a "+tag" (name+1@ and name+2@ reach
 * one inbox), and hashed, so the table keeps no one's address.
 */
export function emailSubject(email: string): string {
  const [local = '', ...domain] = email.trim().toLowerCase().split('@');
  const address = [local.replace(/\+.*$/, ''), ...domain].join('@');
  return createHash('sha256').update(address).digest('base64url').slice(0, 32);
}

/** The hits of one form: one against its sender's address, one against the email address it gives (if any). */
export const formHits = (limits: { perAddress: RateLimit; perEmail: RateLimit }, ip: string, email: string): Hit[] => [
  { limit: limits.perAddress, subject: addressSubject(ip) },
  ...(email ? [{ limit: limits.perEmail, subject: emailSubject(email) }] : []),
];

export const REGISTRATION_LIMITS = { perAddress: REGISTRATIONS_PER_ADDRESS, perEmail: REGISTRATIONS_PER_EMAIL };
export const ENTRY_LIMITS = { perAddress: ENTRIES_PER_ADDRESS, perEmail: ENTRIES_PER_EMAIL };
export const DELEGATION_LIMITS = { perAddress: DELEGATIONS_PER_ADDRESS, perEmail: DELEGATIONS_PER_EMAIL };

/** A hit's row: its key, the start of its window, and the seconds until the window ends. */
function windowOf(hit: Hit, now: Date) {
  const length = hit.limit.windowSeconds * 1000;
  const start = Math.floor(now.getTime() / length) * length;
  return {
    key: `${hit.limit.name}:${hit.subject}`, start: new Date(start),
    retryAfterSeconds: Math.max(1, Math.ceil((start + length - now.getTime()) / 1000)),
  };
}

class OverLimit extends Error {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('over the limit');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Counts one hit against each limit, atomically (INSERT … ON CONFLICT DO UPDATE … RETURNING: two
 * instances counting at once both count), and says whether the form may go on. Over any of the
 * limits, the transaction is rolled back: a refused form writes nothing, and the answer is when
 * the last of the windows it is over ends. Rows are taken in the order of their keys, so that two
 * forms counting the same keys never wait for each other in a cycle. Rows of windows long over go
 * in the same transaction.
 */
export async function countHit(db: Database, hits: readonly Hit[], now = new Date()): Promise<LimitResult> {
  if (hits.length === 0) return { ok: true };
  const rows = hits.map((hit) => ({ hit, ...windowOf(hit, now) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  try {
    await db.transaction().execute(async (trx) => {
      let over = 0;
      for (const row of rows) {
        const { count } = await trx.insertInto('rate_limits').values({ key: row.key, window_start: row.start, count: 1 })
          .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ count: sql<number>`rate_limits.count + 1` }))
          .returning('count').executeTakeFirstOrThrow();
        if (count > row.hit.limit.max) over = Math.max(over, row.retryAfterSeconds);
      }
      if (over) throw new OverLimit(over);
      await trx.deleteFrom('rate_limits').where('window_start', '<', new Date(now.getTime() - LONGEST_WINDOW_SECONDS * 1000)).execute();
    });
  } catch (error) {
    if (error instanceof OverLimit) return { ok: false, retryAfterSeconds: error.retryAfterSeconds };
    throw error;
  }
  return { ok: true };
}

/**
 * Whether one more hit would be over any of the limits, counting nothing: what a form with files
 * asks before it reads them. `countHit` still decides once the form is read.
 */
export async function peekLimits(db: Executor, hits: readonly Hit[], now = new Date()): Promise<LimitResult> {
  if (hits.length === 0) return { ok: true };
  const rows = hits.map((hit) => ({ hit, ...windowOf(hit, now) }));
  const counts = await db.selectFrom('rate_limits').select(['key', 'window_start', 'count'])
    .where((eb) => eb.or(rows.map((r) => eb.and([eb('key', '=', r.key), eb('window_start', '=', r.start)]))))
    .execute();
  let over = 0;
  for (const row of rows) {
    const stored = counts.find((c) => c.key === row.key && c.window_start.getTime() === row.start.getTime());
    if (stored && stored.count >= row.hit.limit.max) over = Math.max(over, row.retryAfterSeconds);
  }
  return over ? { ok: false, retryAfterSeconds: over } : { ok: true };
}

/** The refusal of a form over a limit: 429, with Retry-After, saying when to try again. */
export function tooManyRequests(reply: FastifyReply, retryAfterSeconds: number): Refusal {
  reply.header('retry-after', String(retryAfterSeconds));
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return Refusal.page(429, message(minutes === 1 ? 'participant.errors.tooManyOne' : 'participant.errors.tooManyMany', { minutes }));
}
