import type { Executor } from '../../db/index.ts';
import { eventQuestions } from '../events/queries.ts';
import { eventCounts, publicEventBySlug } from './queries.ts';

type RegistrationWindow = {
  status: string;
  starts_at: Date;
  capacity: number | null;
  confirmed_count: number;
  registration_opens_at: Date | null;
  registration_closes_at: Date | null;
  waitlist_enabled: boolean;
};

export type RegistrationState =
  | { open: true; full: boolean; waitlist: boolean; placesLeft: number | null }
  | { open: false; reason: 'cancelled' | 'closed' | 'not_yet_open' | 'past' | 'full' };

/** Whether an event takes registrations right now, and on what terms. */
export function registrationState(event: RegistrationWindow, now: Date): RegistrationState {
  if (event.status === 'cancelled') return { open: false, reason: 'cancelled' };
  if (event.status !== 'published') return { open: false, reason: 'closed' };
  if (event.registration_opens_at && now < event.registration_opens_at) return { open: false, reason: 'not_yet_open' };
  const closes = event.registration_closes_at ?? event.starts_at;
  if (now >= closes) return { open: false, reason: 'past' };
  const placesLeft = event.capacity === null ? null : Math.max(0, event.capacity - event.confirmed_count);
  const full = placesLeft === 0;
  if (full && !event.waitlist_enabled) return { open: false, reason: 'full' };
  return { open: true, full, waitlist: full, placesLeft };
}

/** The next moment at which the clock alone changes where registration stands, if any. */
export function registrationChangesAt(
  event: Pick<RegistrationWindow, 'registration_opens_at' | 'registration_closes_at' | 'starts_at'>, now: Date,
): Date | null {
  const moments = [event.registration_opens_at, event.registration_closes_at ?? event.starts_at];
  const future = moments.filter((m): m is Date => m !== null && m > now).map((m) => m.getTime());
  return future.length ? new Date(Math.min(...future)) : null;
}

/** Everything the public event page shows: the event, its counts, its questions, where registration stands. */
export async function eventPage(db: Executor, slug: string, now: Date) {
  const event = await publicEventBySlug(db, slug);
  if (!event) return null;
  const [counts, questions] = await Promise.all([eventCounts(db, event.id), eventQuestions(db, event.id)]);
  return { event, counts, questions, state: registrationState(event, now) };
}

export type EventPage = NonNullable<Awaited<ReturnType<typeof eventPage>>>;

/** What a registration needs of its event: less than the page, since it is read on every attempt. */
export async function eventForRegistration(db: Executor, slug: string, now: Date) {
  const event = await publicEventBySlug(db, slug);
  if (!event) return null;
  return { event, questions: await eventQuestions(db, event.id), state: registrationState(event, now) };
}
