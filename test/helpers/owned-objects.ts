import { type RawBuilder, sql } from 'kysely';
import { PDFDocument } from 'pdf-lib';
import type { Database } from '../../src/db/index.ts';
import { saveAttachmentFile } from '../../src/lib/pdf-files.ts';
import { hashToken } from '../../src/lib/tokens.ts';
import { startSession } from '../../src/modules/auth/service.ts';
import { queueMail } from '../../src/modules/mail/outbox.ts';

/*
 * Real objects of the demo data that belong to one organisation and not to another: what a
 * test names in an address to check that the first organisation's organiser reaches them and
 * the other's does not. Everything hangs off an item; an object belongs to an organisation
 * through its item's parties, so only items the owner is a party to and the intruder is not are
 * used (the demo has items both are parties to: those would prove nothing).
 *
 * The demo data has no entry attachment and no outbox message; one of each is made here, the
 * way the app makes them (a stored PDF file, a queued message about the item).
 */

export type OwnedObjectsOptions = {
  /** An organiser: the objects are of their organisation. */
  owner: string;
  /** An organiser of another organisation, which must not be a party to any of them. */
  intruder: string;
  /** A judge with an opened (draft) assignment in the owner's contest that is being judged. */
  judge: string;
  /** Where the attachment's file is stored: the DATA_DIR of the app under test. */
  dataDir: string;
};

export type OwnedObjects = Awaited<ReturnType<typeof ownedObjects>>;

function found<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new Error(`owned objects: the demo data has no ${what}`);
  return row;
}

export async function ownedObjects(db: Database, options: OwnedObjectsOptions) {
  const userOf = async (email: string) => found(
    await db.selectFrom('users').where('email', '=', email).select(['id', 'email', 'organisation_id']).executeTakeFirst(), `user ${email}`,
  );
  const owner = await userOf(options.owner);
  const intruder = await userOf(options.intruder);
  const judge = await userOf(options.judge);
  if (owner.organisation_id === null || intruder.organisation_id === null || owner.organisation_id === intruder.organisation_id) {
    throw new Error('owned objects: owner and intruder must be organisers of two organisations');
  }
  const partyOf = async (organisationId: number) => (await db.selectFrom('item_parties').where('organisation_id', '=', organisationId)
    .select('item_id').execute()).map((r) => r.item_id);
  const theirs = new Set(await partyOf(intruder.organisation_id));
  const ownerItems = await partyOf(owner.organisation_id);
  /** Items of the owner's organisation that the intruder's is not a party to. */
  const items = ownerItems.filter((id) => !theirs.has(id));
  if (items.length === 0) throw new Error('owned objects: every item of the owner is shared with the intruder');

  // An event open to the public, with people registered for it; its item and period.
  const event = found(await db.selectFrom('events').where('item_id', 'in', items).where('status', '=', 'published')
    .where((eb) => eb.exists(eb.selectFrom('registrations as r').whereRef('r.event_id', '=', 'events.id').where('r.status', '=', 'confirmed').select('r.id')))
    .select(['id', 'slug', 'item_id']).orderBy('confirmed_count', 'desc').orderBy('id').executeTakeFirst(), 'published event with registrations');
  const registration = found(await db.selectFrom('registrations').where('event_id', '=', event.id).where('status', '=', 'confirmed')
    .select('id').orderBy('id').executeTakeFirst(), 'registration');
  const item = found(await db.selectFrom('items as i').innerJoin('periods as p', 'p.id', 'i.period_id').where('i.id', '=', event.item_id)
    .select(['i.id', 'i.number', 'p.slug as period_slug']).executeTakeFirst(), 'item');
  const period = { slug: item.period_slug };

  // An exchange programme with a delegation and its members.
  const delegation = found(await db.selectFrom('delegations as d').innerJoin('programmes as p', 'p.id', 'd.programme_id')
    .where('p.item_id', 'in', items).where('d.status', '<>', 'withdrawn')
    .where((eb) => eb.exists(eb.selectFrom('delegation_members as m').whereRef('m.delegation_id', '=', 'd.id').select('m.id')))
    .select(['d.id', 'p.id as programme_id', 'p.slug as programme_slug']).orderBy('p.id', 'desc').orderBy('d.id').executeTakeFirst(),
  'programme with a delegation');
  const programme = { id: delegation.programme_id, slug: delegation.programme_slug };
  const member = found(await db.selectFrom('delegation_members').where('delegation_id', '=', delegation.id).select('id')
    .orderBy('position').executeTakeFirst(), 'delegation member');
  // The public pages need a programme taking registrations: any the owner's organisation is a party to.
  const publicProgramme = found(await db.selectFrom('programmes').where('item_id', 'in', ownerItems).where('status', '=', 'open')
    .where('public_registration', '=', true).select('slug').orderBy('id', 'desc').executeTakeFirst(), 'programme open for registration');

  // A contest being judged: its open round, the judge's opened assignment, a submitted one, a criterion, a tier.
  const round = found(await db.selectFrom('contest_rounds as r').innerJoin('contests as c', 'c.id', 'r.contest_id')
    .where('c.item_id', 'in', items).where('r.status', '=', 'open')
    .where((eb) => eb.exists(eb.selectFrom('assignments as a').whereRef('a.round_id', '=', 'r.id').where('a.judge_id', '=', judge.id)
      .where('a.status', '=', 'draft').select('a.id')))
    .select(['r.id', 'r.position', 'c.id as contest_id', 'c.slug as contest_slug']).orderBy('c.id', 'desc').executeTakeFirst(),
  `contest round being judged by ${options.judge}`);
  const contest = { id: round.contest_id, slug: round.contest_slug };
  const judgeAssignment = found(await db.selectFrom('assignments').where('round_id', '=', round.id).where('judge_id', '=', judge.id)
    .where('status', '=', 'draft').select(['id', 'entry_id']).orderBy('id').executeTakeFirst(), 'draft assignment');
  const submittedAssignment = found(await db.selectFrom('assignments').where('round_id', '=', round.id).where('status', '=', 'submitted')
    .where('id', '<>', judgeAssignment.id).select('id').orderBy('id').executeTakeFirst(), 'submitted assignment');
  const criterion = found(await db.selectFrom('criteria').where('round_id', '=', round.id).select('id').orderBy('position')
    .executeTakeFirst(), 'criterion');
  const tier = found(await db.selectFrom('award_tiers').where('contest_id', '=', contest.id).select('id').orderBy('rank')
    .executeTakeFirst(), 'award tier');
  const entry = { id: judgeAssignment.entry_id };

  // A contest whose results are out: a grant and its certificate.
  const grant = found(await db.selectFrom('award_grants as g').innerJoin('award_tiers as t', 't.id', 'g.tier_id')
    .innerJoin('contests as c', 'c.id', 't.contest_id').where('c.item_id', 'in', items).where('c.results_published_at', 'is not', null)
    .select(['g.id', 'c.slug as contest_slug']).orderBy('c.id').orderBy('g.id').executeTakeFirst(), 'award grant of a published contest');
  const pastContest = { slug: grant.contest_slug };
  // A contest taking entries.
  const openContest = found(await db.selectFrom('contests').where('item_id', 'in', items).where('status', '=', 'open')
    .select('slug').orderBy('id', 'desc').executeTakeFirst(), 'contest taking entries');

  // Made here: the entry's attachment (a real PDF, stored as uploads are) and a message about the item.
  const pdf = await PDFDocument.create();
  pdf.addPage([300, 300]).drawText('The invention, described.', { x: 20, y: 150, size: 10 });
  const bytes = Buffer.from(await pdf.save());
  const attachment = await db.insertInto('entry_attachments').values({
    entry_id: entry.id, filename: 'portfolio.pdf', content_type: 'application/pdf', size_bytes: bytes.length,
    storage_key: await saveAttachmentFile(options.dataDir, bytes),
  }).returning('id').executeTakeFirstOrThrow();
  const messageId = await queueMail(db, { to: 'participant@example.test', subject: 'About the event', text: 'Details.', itemId: item.id },
    'ipcoop.test');
  const message = await db.selectFrom('mail_outbox').where('message_id', '=', messageId).select('id').executeTakeFirstOrThrow();
  // One of the owner's own sessions, other than any a request is made with.
  const session = { id: hashToken(await startSession(db, owner.id, '127.0.0.1', 'owned-objects')) };
  // One of the owner's passkeys (its key is never checked: only rename and remove name it).
  const passkey = await db.insertInto('passkeys').values({
    user_id: owner.id, credential_id: 'owned-objects', public_key: 'AA', device_type: 'singleDevice', backed_up: false, name: 'Laptop',
  }).returning('id').executeTakeFirstOrThrow();
  // One of the owner's linked single sign-on identities.
  const identity = await db.insertInto('oidc_identities').values({
    user_id: owner.id, provider: 'gov', issuer: 'https://id.example.test', subject: 'owned-objects', email: 'owner@example.test',
  }).returning('id').executeTakeFirstOrThrow();
  // A webhook endpoint of the owner's organisation, with a message delivered to it.
  const webhook = await db.insertInto('webhook_endpoints').values({
    organisation_id: owner.organisation_id, created_by: owner.id, url: 'https://hooks.example.org/', event_types: ['checkin.created'],
    secret: 'whsec_b3duZWQtb2JqZWN0cy1zZWNyZXQtMzItYnl0ZXMhIQ==',
  }).returning('id').executeTakeFirstOrThrow();
  const hook = await db.insertInto('webhook_events').values({ message_id: 'msg_owned', type: 'checkin.created', item_id: item.id, payload: '{}' })
    .returning('id').executeTakeFirstOrThrow();
  const webhookDelivery = await db.insertInto('webhook_deliveries').values({ endpoint_id: webhook.id, event_id: hook.id, status: 'delivered' })
    .returning('id').executeTakeFirstOrThrow();

  // A scheduled job about the item that failed (an organiser may retry it).
  const job = await db.insertInto('jobs').values({
    kind: 'event-reminder', key: 'owned-objects', payload: JSON.stringify({ eventId: event.id }), item_id: item.id, run_at: new Date(),
    status: 'failed', attempts: 5, last_error: 'refused',
  }).returning('id').executeTakeFirstOrThrow();

  return {
    owner: { id: owner.id }, period, item: { id: item.id, number: item.number }, event, registration,
    programme, delegation: { id: delegation.id }, member, publicProgramme,
    contest, round: { position: round.position }, entry, attachment, judgeAssignment: { id: judgeAssignment.id },
    submittedAssignment, criterion, tier, pastContest, grant: { id: grant.id }, openContest, message, session, passkey, identity,
    webhook, webhookDelivery, job,
  };
}

/** The tables a fingerprint covers, read once. */
let tables: string[] | undefined;

/**
 * What the database holds, cheaply: each table's row count and newest row version (`xmin`
 * moves with every insert and update, the count with every delete). Two equal fingerprints mean
 * nothing was written in between. Sessions are left out when their user agent is
 * `ignoredSessions` (the test's own, whose last_seen_at every request moves).
 */
export async function fingerprint(db: Database, ignoredSessions: string): Promise<Record<string, string>> {
  tables ??= (await sql<{ name: string }>`select table_name::text as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely%'
    order by table_name`.execute(db)).rows.map((r) => r.name);
  const parts: RawBuilder<unknown>[] = tables.map((name) => sql`select ${name}::text as name, count(*)::text || '/' ||
    coalesce(max(xmin::text::bigint), 0)::text as state from ${sql.table(name)}
    ${name === 'sessions' ? sql`where user_agent is distinct from ${ignoredSessions}` : sql``}`);
  const { rows } = await sql<{ name: string; state: string }>`${sql.join(parts, sql` union all `)}`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.name, r.state]));
}

/** The tables whose fingerprint differs. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((name) => before[name] !== after[name]);
}
