import type { Insertable } from 'kysely';
import type { RegistrationsTable, RegistrationStatus } from '../src/db/types.ts';
import { People, type Rng, pick, rngFor, shuffled, weighted } from './people.ts';
import type { EventSpec, QuestionSpec } from './specs.ts';
import { DAY, hongKongIso } from './time.ts';

/*
 * The people behind an event's attendance figure: who registered when, who cancelled, who
 * came off the waiting list, who was checked in at the door.
 */

export type QuestionRow = QuestionSpec & { id: number };

const MINUTE = 60_000;

function at(rng: Rng, from: number, to: number): number {
  return from + Math.floor(rng() * Math.max(1, to - from));
}

function answersFor(rng: Rng, questions: readonly QuestionRow[]): Record<string, string | boolean> {
  const answers: Record<string, string | boolean> = {};
  for (const q of questions) {
    if (!q.required && rng() < 0.3) continue;
    if (q.kind === 'checkbox') answers[String(q.id)] = rng() < 0.4;
    else if (q.kind === 'choice' && q.options.length) answers[String(q.id)] = pick(rng, q.options);
    else if (q.samples?.length) answers[String(q.id)] = pick(rng, q.samples);
  }
  return answers;
}

export function registrationRows(
  eventId: number,
  event: EventSpec,
  questions: readonly QuestionRow[],
  tokenHash: () => string,
  now: Date,
): { rows: Insertable<RegistrationsTable>[]; confirmed: number } {
  const spec = event.attendance;
  if (!spec) return { rows: [], confirmed: 0 };
  const rng = rngFor(`registrations:${event.slug}`);
  const people = new People(rng);
  const starts = Date.parse(event.startsAt);
  const opens = event.registrationOpensAt ? Date.parse(event.registrationOpensAt) : starts - 30 * DAY;
  const closes = Math.min(event.registrationClosesAt ? Date.parse(event.registrationClosesAt) : starts, now.getTime());

  const created = Array.from({ length: spec.registered }, () => at(rng, opens, closes)).sort((a, b) => a - b);
  // Those who registered last are the ones left on the waiting list.
  const waitlisted = spec.waitlisted ?? 0;
  const earlier = created.length - waitlisted;
  const cancelled = new Set(shuffled(rng, [...Array(earlier).keys()]).slice(0, spec.cancelled));
  const confirmedIndexes = [...Array(earlier).keys()].filter((i) => !cancelled.has(i));
  if (spec.checkedIn > confirmedIndexes.length) throw new Error(`${event.slug}: more checked in than confirmed`);
  const checkedIn = new Set(shuffled(rng, confirmedIndexes).slice(0, spec.checkedIn));

  const rows = created.map((createdAt, i): Insertable<RegistrationsTable> => {
    const person = people.person(weighted(rng, spec.sides));
    const status: RegistrationStatus = i >= earlier ? 'waitlisted' : cancelled.has(i) ? 'cancelled' : 'confirmed';
    return {
      event_id: eventId,
      name: person.name,
      email: person.email,
      organisation: person.organisation,
      side: person.side,
      status,
      answers: JSON.stringify(answersFor(rng, questions)),
      token_hash: tokenHash(),
      created_at: hongKongIso(new Date(createdAt)),
      cancelled_at: status === 'cancelled' ? hongKongIso(new Date(at(rng, createdAt, closes))) : null,
      checked_in_at: checkedIn.has(i)
        ? hongKongIso(new Date(at(rng, starts - 40 * MINUTE, starts + 50 * MINUTE)))
        : null,
    };
  });
  return { rows, confirmed: confirmedIndexes.length };
}
