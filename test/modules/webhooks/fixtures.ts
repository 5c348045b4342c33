import type { Database } from '../../../src/db/index.ts';

export const OWNER = 'organiser@hkipd.test';
export const INTRUDER = 'organiser@customs.test';

/**
 * An item the owner's organisation is a party to and the intruder's is not, with a new public
 * event on it (one place and a waiting list), for events to be reported about.
 */
export async function ownedEvent(db: Database, slug: string) {
  const user = (email: string) => db.selectFrom('users').where('email', '=', email).select(['id', 'organisation_id']).executeTakeFirstOrThrow();
  const [owner, intruder] = await Promise.all([user(OWNER), user(INTRUDER)]);
  const parties = (organisationId: number | null) =>
    db.selectFrom('item_parties').where('organisation_id', '=', organisationId ?? -1).select('item_id').execute();
  const theirs = new Set((await parties(intruder.organisation_id)).map((r) => r.item_id));
  const itemId = (await parties(owner.organisation_id)).map((r) => r.item_id).find((id) => !theirs.has(id));
  if (itemId === undefined) throw new Error('the demo data has no item of the owner alone');
  const starts = new Date(Date.now() + 30 * 86_400_000);
  const event = await db.insertInto('events').values({
    item_id: itemId, slug, kind: 'seminar', title: `Webhook test ${slug}`, starts_at: starts,
    ends_at: new Date(starts.getTime() + 3_600_000), capacity: 1, status: 'published', waitlist_enabled: true,
  }).returning(['id', 'slug', 'item_id']).executeTakeFirstOrThrow();
  return { event, owner, intruder };
}
