import t from 'tap';
import type { MailListKind } from '../../../src/db/types.ts';
import { hashToken, newToken } from '../../../src/lib/tokens.ts';
import { recordAudit } from '../../../src/modules/audit/service.ts';
import { erasePersonalData } from '../../../src/modules/privacy/service.ts';
import { Agent } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/*
 * Erasure reaches event invitations, imported lists and mailing opt-outs with their unsubscribe
 * links: after a period's retention, and when a participant deletes their own data. Rows of other
 * periods, other people and user accounts are left exactly as they were.
 */

type Db = Awaited<ReturnType<typeof build>>['db'];

const tokenOf = (location: unknown) => /^\/registrations\/([A-Za-z0-9_-]{43})$/.exec(typeof location === 'string' ? location : '')?.[1] ?? '';
const person = (name: string, email: string) => ({ name, email, organisation: 'Sha Tin Gadgets Ltd', side: 'HK', consent: 'on' });

/** The first event, programme and contest of 2018-19. */
async function ofPeriod2019(db: Db) {
  const items = db.selectFrom('items as i').innerJoin('periods as p', 'p.id', 'i.period_id').where('p.slug', '=', '2018-19').select('i.id');
  return {
    event: await db.selectFrom('events').where('item_id', 'in', items).select(['id', 'item_id']).orderBy('id').executeTakeFirstOrThrow(),
    programme: await db.selectFrom('programmes').where('item_id', 'in', items).select('id').orderBy('id').executeTakeFirstOrThrow(),
    contest: await db.selectFrom('contests').where('item_id', 'in', items).select('id').orderBy('id').executeTakeFirstOrThrow(),
  };
}

async function openSeminar(db: Db) {
  return db.selectFrom('events').selectAll().where('slug', 'like', 'sme-seminar-20__-__').where('status', '=', 'published')
    .where('starts_at', '>', new Date()).executeTakeFirstOrThrow();
}

async function invite(db: Db, eventId: number, itemId: number, name: string, email: string, registrationId: number | null = null) {
  const row = await db.insertInto('event_invitations').values({
    event_id: eventId, name, email, organisation: 'Invited Ltd', side: 'HK', token_hash: hashToken(newToken()),
    status: registrationId ? 'registered' : 'invited', registration_id: registrationId,
  }).returning('id').executeTakeFirstOrThrow();
  // As the organisers' "invite one person" records it.
  await recordAudit(db, null, 'invite', 'event', eventId, { email }, itemId);
  return row.id;
}

async function stageImport(db: Db, eventId: number, confirmed: boolean, people: [string, string][]) {
  const id = crypto.randomUUID();
  await db.insertInto('registration_imports').values({
    id, event_id: eventId, filename: 'list.csv', confirmed_at: confirmed ? new Date() : null,
    rows: JSON.stringify(people.map(([name, email], i) => ({ line: i + 2, name, email, organisation: 'Imported Ltd', side: 'GD' }))),
  }).execute();
  return id;
}

async function mailing(db: Db, owner: { kind: MailListKind; id: number }) {
  const column = ({ event: 'event_id', programme: 'programme_id', contest: 'contest_id' } as const)[owner.kind];
  const row = await db.insertInto('mailings').values({ [column]: owner.id, audience: owner.kind === 'event' ? 'all' : owner.kind === 'programme'
    ? 'leaders' : 'entrants', subject: 'News', body: 'Hello' }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

async function link(db: Db, mailingId: number, owner: { kind: MailListKind; id: number }, email: string) {
  const tokenHash = hashToken(newToken());
  await db.insertInto('mail_unsubscribe_links').values({ token_hash: tokenHash, mailing_id: mailingId, email, list_kind: owner.kind, owner_id: owner.id })
    .execute();
  return tokenHash;
}

async function optOut(db: Db, kind: MailListKind, ownerId: number | null, email: string) {
  return (await db.insertInto('mail_opt_outs').values({ email, list_kind: kind, owner_id: ownerId }).returning('id').executeTakeFirstOrThrow()).id;
}

const invitationRow = (db: Db, id: number) => db.selectFrom('event_invitations').selectAll().where('id', '=', id).executeTakeFirst();
const importRow = (db: Db, id: string) => db.selectFrom('registration_imports').selectAll().where('id', '=', id).executeTakeFirst();
const optOutRow = (db: Db, id: number) => db.selectFrom('mail_opt_outs').selectAll().where('id', '=', id).executeTakeFirst();
const linkRow = (db: Db, tokenHash: string) => db.selectFrom('mail_unsubscribe_links').selectAll().where('token_hash', '=', tokenHash)
  .executeTakeFirst();
const inviteAudits = (db: Db, eventId: number) => db.selectFrom('audit_log').select(['id', 'changes']).where('action', '=', 'invite')
  .where('entity', '=', 'event').where('entity_id', '=', String(eventId)).orderBy('id').execute();

t.test('a period\'s erasure reaches its invitations, imported lists and mailing lists, and nothing of another period', async (t) => {
  const { app, db } = await build(t);
  const { event: oldEvent, programme: oldProgramme, contest: oldContest } = await ofPeriod2019(db);
  const current = await openSeminar(db);
  const judge = await db.selectFrom('users').select('email').where('role', '=', 'judge').orderBy('id').executeTakeFirstOrThrow();

  const oldInvitation = await invite(db, oldEvent.id, oldEvent.item_id, 'Chan Tai-man', 'tai-man.chan@example.test');
  const newInvitation = await invite(db, current.id, current.item_id, 'Chan Tai-man', 'tai-man.chan@example.test');
  const oldImport = await stageImport(db, oldEvent.id, true, [['Lee Mei-ling', 'mei-ling.lee@example.test'], ['Wong Ka-ho', 'ka-ho.wong@example.test']]);
  const oldStaged = await stageImport(db, oldEvent.id, false, [['Lee Mei-ling', 'mei-ling.lee@example.test']]);
  const newImport = await stageImport(db, current.id, true, [['Lee Mei-ling', 'mei-ling.lee@example.test']]);
  const newStaged = await stageImport(db, current.id, false, [['Wong Ka-ho', 'ka-ho.wong@example.test']]);

  const lists = {
    event: { kind: 'event', id: oldEvent.id }, programme: { kind: 'programme', id: oldProgramme.id }, contest: { kind: 'contest', id: oldContest.id },
    current: { kind: 'event', id: current.id },
  } as const;
  const erasedLinks = [
    await link(db, await mailing(db, lists.event), lists.event, 'mei-ling.lee@example.test'),
    await link(db, await mailing(db, lists.programme), lists.programme, 'leader@example.test'),
    await link(db, await mailing(db, lists.contest), lists.contest, 'entrant@example.test'),
  ];
  const keptLinks = [
    await link(db, await mailing(db, lists.contest), lists.contest, judge.email),
    await link(db, await mailing(db, lists.current), lists.current, 'mei-ling.lee@example.test'),
  ];
  const erasedOptOuts = [
    await optOut(db, 'event', oldEvent.id, 'mei-ling.lee@example.test'),
    await optOut(db, 'programme', oldProgramme.id, 'leader@example.test'),
    await optOut(db, 'contest', oldContest.id, 'entrant@example.test'),
  ];
  const keptOptOuts = [
    await optOut(db, 'contest', oldContest.id, judge.email),
    await optOut(db, 'event', null, 'mei-ling.lee@example.test'),
    await optOut(db, 'event', current.id, 'mei-ling.lee@example.test'),
  ];

  const untouched = async () => ({
    invitation: await invitationRow(db, newInvitation),
    imports: [await importRow(db, newImport), await importRow(db, newStaged)],
    optOuts: await Promise.all(keptOptOuts.map((id) => optOutRow(db, id))),
    links: await Promise.all(keptLinks.map((h) => linkRow(db, h))),
    audit: await inviteAudits(db, current.id),
  });
  const before = await untouched();
  const invitationBefore = await invitationRow(db, oldInvitation);
  const importBefore = await importRow(db, oldImport);

  await db.updateTable('periods').set({ retention_months: 12 }).where('slug', '=', '2018-19').execute();
  const [erased, ...more] = await erasePersonalData(db, new Date('2100-01-01T00:00:00Z'));
  t.equal(more.length, 0);
  t.match(erased, { period: '2018-19', invitations: 1, imports: 2, optOuts: 3, unsubscribeLinks: 3 });

  const invitation = await invitationRow(db, oldInvitation);
  t.match(invitation, { name: '[erased]', email: `erased-event-invitation-${oldInvitation}@erased.invalid`, organisation: '' });
  t.same({ ...invitation, name: '', email: '', organisation: '' }, { ...invitationBefore, name: '', email: '', organisation: '' },
    'the invitation keeps its status, side, times and links');
  t.same((await inviteAudits(db, oldEvent.id)).map((a) => a.changes), [{ email: '[erased]' }], 'the invited address leaves the audit log');

  const erasedImport = await importRow(db, oldImport);
  t.same(erasedImport?.rows, [
    { line: 2, side: 'GD', name: '[erased]', email: 'erased@erased.invalid', organisation: '' },
    { line: 3, side: 'GD', name: '[erased]', email: 'erased@erased.invalid', organisation: '' },
  ], 'a confirmed list keeps its rows, cut down to line and side');
  t.same({ ...erasedImport, rows: [] }, { ...importBefore, rows: [] }, 'and everything else');
  t.notOk(await importRow(db, oldStaged), 'a list never confirmed goes');

  for (const id of erasedOptOuts) t.notOk(await optOutRow(db, id), `opt-out ${id} deleted`);
  for (const hash of erasedLinks) t.notOk(await linkRow(db, hash), 'unsubscribe link deleted');
  const gone = await app.inject(`/unsubscribe/${newToken()}`);
  t.equal(gone.statusCode, 404, 'an unknown link is not found');

  t.same(await untouched(), before, 'another period, a user account\'s address and an opt-out from every list are untouched');
  t.same(await erasePersonalData(db, new Date('2100-01-02T00:00:00Z')), [], 'a second run finds nothing left');
  const audit = await db.selectFrom('audit_log').select('changes').where('action', '=', 'erase_personal_data').executeTakeFirstOrThrow();
  t.match(audit.changes, { invitations: 1, imports: 2, optOuts: 3, unsubscribeLinks: 3 });
});

t.test('deleting one\'s data erases one\'s invitation, imported row, opt-out and links at that event, and no one else\'s', async (t) => {
  const { app, db } = await build(t);
  const event = await openSeminar(db);
  const other = await db.selectFrom('events').select(['id', 'item_id']).where('id', '<>', event.id).orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  const email = 'siu-fung.ho@example.test';
  const reg = await new Agent(app).post(`/events/${event.slug}/register`, person('Ho Siu-fung', email));
  t.equal(reg.statusCode, 303);
  const token = tokenOf(reg.headers.location);
  const registration = await db.selectFrom('registrations').select('id').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();

  const mine = await invite(db, event.id, event.item_id, 'Ho Siu-fung', email, registration.id);
  const someoneElses = await invite(db, event.id, event.item_id, 'Tam Wai-kit', 'wai-kit.tam@example.test');
  const elsewhere = await invite(db, other.id, other.item_id, 'Ho Siu-fung', email);
  const imported = await stageImport(db, event.id, true, [['Tam Wai-kit', 'wai-kit.tam@example.test'], ['Ho Siu-fung', email]]);
  const pending = await stageImport(db, event.id, false, [['Ho Siu-fung', email]]);
  const list = { kind: 'event', id: event.id } as const;
  const sent = await mailing(db, list);
  const myLink = await link(db, sent, list, email);
  const theirLink = await link(db, sent, list, 'wai-kit.tam@example.test');
  const myOptOut = await optOut(db, 'event', event.id, email);
  const keptOptOuts = [
    await optOut(db, 'event', null, email),
    await optOut(db, 'event', other.id, email),
    await optOut(db, 'event', event.id, 'wai-kit.tam@example.test'),
  ];
  const untouched = async () => ({
    invitations: [await invitationRow(db, someoneElses), await invitationRow(db, elsewhere)],
    pending: await importRow(db, pending),
    link: await linkRow(db, theirLink),
    optOuts: await Promise.all(keptOptOuts.map((id) => optOutRow(db, id))),
    audit: (await inviteAudits(db, event.id)).filter((a) => a.changes.email !== email && a.changes.email !== '[erased]'),
    elsewhere: await inviteAudits(db, other.id),
  });
  const before = await untouched();

  const agent = new Agent(app);
  await agent.get(`/registrations/${token}/delete`);
  t.equal((await agent.post(`/registrations/${token}/delete`)).statusCode, 303);

  t.match(await invitationRow(db, mine), { name: '[erased]', email: /@erased\.invalid$/, organisation: '', status: 'registered',
    registration_id: registration.id });
  t.same((await inviteAudits(db, event.id)).map((a) => a.changes.email), ['[erased]', 'wai-kit.tam@example.test'],
    'their invitation leaves the audit log');
  t.same((await importRow(db, imported))?.rows, [
    { line: 2, name: 'Tam Wai-kit', email: 'wai-kit.tam@example.test', organisation: 'Imported Ltd', side: 'GD' },
    { line: 3, side: 'GD', name: '[erased]', email: 'erased@erased.invalid', organisation: '' },
  ], 'only their row of the list is erased');
  t.notOk(await linkRow(db, myLink), 'their unsubscribe link is gone');
  t.notOk(await optOutRow(db, myOptOut), 'their opt-out from the event\'s mailings is gone');
  t.same(await untouched(), before, 'other people, other events, a list still waiting and an opt-out from every list stay');
});

t.test('while another registration at the event holds the address, only the erased registration\'s invitation goes', async (t) => {
  const { app, db } = await build(t);
  const event = await openSeminar(db);
  const email = 'hoi-yan.kwok@example.test';
  const first = await new Agent(app).post(`/events/${event.slug}/register`, person('Kwok Hoi-yan', email));
  const token = tokenOf(first.headers.location);
  const old = await db.selectFrom('registrations').select('id').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
  const invitation = await invite(db, event.id, event.item_id, 'Kwok Hoi-yan', email, old.id);
  // Cancelled, and registered again with the same address.
  await db.updateTable('registrations').set({ status: 'cancelled', cancelled_at: new Date() }).where('id', '=', old.id).execute();
  const again = await new Agent(app).post(`/events/${event.slug}/register`, person('Kwok Hoi-yan', email));
  t.equal(again.statusCode, 303);
  t.ok(await db.selectFrom('registrations').select('id').where('event_id', '=', event.id).where('email', '=', email)
    .where('status', '<>', 'cancelled').executeTakeFirst(), 'a live registration holds the address');
  const imported = await stageImport(db, event.id, true, [['Kwok Hoi-yan', email]]);
  const list = { kind: 'event', id: event.id } as const;
  const kept = { link: await link(db, await mailing(db, list), list, email), optOut: await optOut(db, 'event', event.id, email) };
  const state = async () => ({
    rows: (await importRow(db, imported))?.rows, link: await linkRow(db, kept.link), optOut: await optOutRow(db, kept.optOut),
  });
  const before = await state();

  const agent = new Agent(app);
  await agent.get(`/registrations/${token}/delete`);
  t.equal((await agent.post(`/registrations/${token}/delete`)).statusCode, 303);
  t.match(await invitationRow(db, invitation), { name: '[erased]', email: /@erased\.invalid$/ });
  t.same(await state(), before, 'what serves the live registration stays');
});
