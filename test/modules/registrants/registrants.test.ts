import t from 'tap';
import { Agent, signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/*
 * An event's registrants, managed by its organisers (issue 18, item 1): the list with keyset
 * paging, filters and search; one registration opened, corrected, cancelled on the person's
 * behalf, moved up from the waiting list, sent its link again, marked as a no-show; and the
 * same actions on a selection.
 */

const { app, db } = await build(t);
const event = await db.selectFrom('events').selectAll().where('slug', 'like', 'sme-seminar-20__-__').where('status', '=', 'published')
  .where('starts_at', '>', new Date()).executeTakeFirstOrThrow();
const list = `/manage/events/${event.slug}/registrations`;
const organiser = await signedIn(app, 'organiser@hkipd.test');

/** A registration of the event made through the database, as the form would leave it. */
async function registration(name: string, email: string, status: 'confirmed' | 'waitlisted' = 'confirmed') {
  return db.insertInto('registrations').values({
    event_id: event.id, name, email, organisation: 'Test Organisation', side: 'HK', status, answers: '{}',
    token_hash: `hash-${email}`,
  }).returning('id').executeTakeFirstOrThrow();
}

const mailsTo = (email: string) => db.selectFrom('mail_outbox').select(['subject', 'text_body']).where('to_address', '=', email)
  .orderBy('id').execute();

t.test('the list pages by keyset, filters and searches, within the organiser\'s scope', async (t) => {
  const total = await db.selectFrom('registrations').select((eb) => eb.fn.countAll().as('n')).where('event_id', '=', event.id)
    .where('erased_at', 'is', null).executeTakeFirstOrThrow();
  const first = await organiser.get(list);
  t.equal(first.statusCode, 200);
  t.equal(first.headers['cache-control'], 'no-store');
  t.match(first.body, `${Number(total.n)} registrations`);
  const ids = (body: string) => [...body.matchAll(/name="ids" value="(\d+)"/g)].map((m) => Number(m[1]));
  const page1 = ids(first.body);
  t.equal(page1.length, Math.min(50, Number(total.n)));
  const next = /href="([^"]+after=\d+)"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
  if (Number(total.n) > 50) {
    t.ok(next, 'a link to the next page');
    const page2 = ids((await organiser.get(next ?? '')).body);
    t.ok(page2.length > 0);
    t.ok(Math.min(...page2) > Math.max(...page1), 'the next page starts after the last row of this one');
  }

  const { id } = await registration('Searchable Person 100%', 'searchable@example.hk', 'waitlisted');
  const found = await organiser.get(`${list}?q=${encodeURIComponent('100%')}`);
  t.match(found.body, 'Searchable Person 100%');
  t.match(found.body, '1 registration');
  const none = await organiser.get(`${list}?q=${encodeURIComponent('1_0%')}`);
  t.match(none.body, 'No registration matches.', 'wildcards in a search are taken literally');
  const waiting = await organiser.get(`${list}?status=waitlisted`);
  t.match(waiting.body, `value="${id}"`);
  t.notMatch(waiting.body, /Confirmed<\/td>/, 'only the waiting list');
  const ignored = await organiser.get(`${list}?status=bogus&side=XX&after=abc&checked=maybe`);
  t.equal(ignored.statusCode, 200, 'filters that mean nothing are ignored, not an error');

  const customs = await signedIn(app, 'organiser@customs.test');
  t.equal((await customs.get(list)).statusCode, 404, 'another organisation\'s event is not found');
  t.equal((await customs.get(`${list}/${id}`)).statusCode, 404);
  const anonymous = await new Agent(app).get(list);
  t.equal(anonymous.statusCode, 303);
  t.match(anonymous.headers.location, /^\/login\?next=/);
});

t.test('one registration is corrected, audited, and refused an address already registered', async (t) => {
  const { id } = await registration('Chan Tai Man', 'correct.me@example.hk');
  await registration('Someone Else', 'taken@example.hk');
  const page = await organiser.get(`${list}/${id}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, 'value="correct.me@example.hk"');

  const taken = await organiser.post(`${list}/${id}`, { name: 'Chan Tai-man', email: 'TAKEN@example.hk', organisation: 'HKPC', side: 'HK' });
  t.equal(taken.statusCode, 400);
  t.match(taken.body, 'Someone is already registered for this event with this address.');
  const bad = await organiser.post(`${list}/${id}`, { name: '', email: 'nope', organisation: 'HKPC', side: 'XX' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, 'class="field__error" id="f-email-error"');
  t.equal((await db.selectFrom('registrations').select('name').where('id', '=', id).executeTakeFirstOrThrow()).name, 'Chan Tai Man',
    'refused input changes nothing');

  const saved = await organiser.post(`${list}/${id}`, { name: 'Chan Tai-man', email: 'correct.me@example.hk', organisation: 'HKPC', side: 'GD' });
  t.equal(saved.statusCode, 303);
  const row = await db.selectFrom('registrations').select(['name', 'organisation', 'side']).where('id', '=', id).executeTakeFirstOrThrow();
  t.same(row, { name: 'Chan Tai-man', organisation: 'HKPC', side: 'GD' });
  const audit = await db.selectFrom('audit_log').select(['action', 'changes']).where('entity', '=', 'registration')
    .where('entity_id', '=', String(id)).executeTakeFirstOrThrow();
  t.equal(audit.action, 'correct');
  t.match(audit.changes, { name: { from: 'Chan Tai Man', to: 'Chan Tai-man' }, side: { from: 'HK', to: 'GD' } });
  t.match((await organiser.get(`${list}/${id}`)).body, 'Saved.');
});

t.test('cancelled on the person\'s behalf: the reason is mailed and the place goes to the waiting list', async (t) => {
  await db.updateTable('events').set({ capacity: event.confirmed_count + 1 }).where('id', '=', event.id).execute();
  const { id } = await registration('Leaving Soon', 'leaving@example.hk');
  await db.updateTable('events').set((eb) => ({ confirmed_count: eb('confirmed_count', '+', 1) })).where('id', '=', event.id).execute();
  const waiting = await registration('Next In Line', 'next.in.line@example.hk', 'waitlisted');
  // Everyone else waiting was there first: take them off so that this one is next.
  await db.updateTable('registrations').set({ status: 'cancelled', cancelled_at: new Date() }).where('event_id', '=', event.id)
    .where('status', '=', 'waitlisted')
    .where('id', '<>', waiting.id).execute();

  const long = await organiser.post(`${list}/${id}/cancel`, { reason: 'x'.repeat(501) });
  t.equal(long.statusCode, 400);
  t.match(long.body, 'Keep the reason within 500 characters.');
  const res = await organiser.post(`${list}/${id}/cancel`, { reason: 'The venue has changed to a smaller room.' });
  t.equal(res.statusCode, 303);
  const row = await db.selectFrom('registrations').select(['status', 'cancel_reason']).where('id', '=', id).executeTakeFirstOrThrow();
  t.same(row, { status: 'cancelled', cancel_reason: 'The venue has changed to a smaller room.' });
  const [mail] = await mailsTo('leaving@example.hk');
  t.match(mail?.text_body, 'The organisers add: The venue has changed to a smaller room.');
  const promoted = await db.selectFrom('registrations').select('status').where('id', '=', waiting.id).executeTakeFirstOrThrow();
  t.equal(promoted.status, 'confirmed', 'the first on the waiting list gets the place');
  t.equal((await mailsTo('next.in.line@example.hk')).length, 1, 'and is told');
  t.equal((await organiser.post(`${list}/${id}/cancel`, { reason: '' })).statusCode, 303, 'cancelling twice is harmless');
  t.match((await organiser.get(`${list}/${id}`)).body, 'This registration was already cancelled.');
  await db.updateTable('events').set({ capacity: event.capacity }).where('id', '=', event.id).execute();
});

t.test('moved up by hand, sent the link again, marked as a no-show', async (t) => {
  const waiting = await registration('Waiting Person', 'waiting.person@example.hk', 'waitlisted');
  await db.updateTable('events').set({ capacity: null }).where('id', '=', event.id).execute();
  t.equal((await organiser.post(`${list}/${waiting.id}/promote`)).statusCode, 303);
  t.equal((await db.selectFrom('registrations').select('status').where('id', '=', waiting.id).executeTakeFirstOrThrow()).status, 'confirmed');
  t.match((await mailsTo('waiting.person@example.hk'))[0]?.subject, /./, 'their ticket is mailed');
  const again = await organiser.post(`${list}/${waiting.id}/promote`);
  t.equal(again.statusCode, 409, 'only someone waiting is moved up');
  await db.updateTable('events').set({ capacity: event.capacity }).where('id', '=', event.id).execute();

  const before = await db.selectFrom('registrations').select(['token_hash']).where('id', '=', waiting.id).executeTakeFirstOrThrow();
  t.equal((await organiser.post(`${list}/${waiting.id}/resend`)).statusCode, 303);
  const after = await db.selectFrom('registrations').select(['token_hash', 'pending_token_hash']).where('id', '=', waiting.id)
    .executeTakeFirstOrThrow();
  t.equal(after.token_hash, before.token_hash, 'the link they have keeps working');
  t.ok(after.pending_token_hash, 'a new one waits for them');
  t.equal((await mailsTo('waiting.person@example.hk')).length, 2, 'and is mailed');

  const early = await organiser.post(`${list}/${waiting.id}/no-show`, { no_show: '1' });
  t.equal(early.statusCode, 409, 'not before the event has begun');
  t.match(early.body, 'The event has not begun yet.');
  await db.updateTable('events').set({ starts_at: new Date(Date.now() - 3_600_000) }).where('id', '=', event.id).execute();
  t.equal((await organiser.post(`${list}/${waiting.id}/no-show`, { no_show: '1' })).statusCode, 303);
  t.ok((await db.selectFrom('registrations').select('no_show_at').where('id', '=', waiting.id).executeTakeFirstOrThrow()).no_show_at);
  t.match((await organiser.get(`${list}?noshow=1`)).body, 'Waiting Person');
  t.equal((await organiser.post(`${list}/${waiting.id}/no-show`, { no_show: '0' })).statusCode, 303);
  t.equal((await db.selectFrom('registrations').select('no_show_at').where('id', '=', waiting.id).executeTakeFirstOrThrow()).no_show_at,
    null);
  await db.updateTable('events').set({ starts_at: event.starts_at }).where('id', '=', event.id).execute();
  const actions = await db.selectFrom('audit_log').select('action').where('entity', '=', 'registration')
    .where('entity_id', '=', String(waiting.id)).orderBy('id').execute();
  t.same(actions.map((a) => a.action), ['promote', 'resend_link', 'no_show', 'no_show_undone']);
});

t.test('actions on a selection; refused input changes nothing', async (t) => {
  const a = await registration('Bulk One', 'bulk.one@example.hk');
  const b = await registration('Bulk Two', 'bulk.two@example.hk');
  await organiser.get(list);
  const res = await organiser.post(`${list}/bulk`, { action: 'resend', ids: [String(a.id), String(b.id)] });
  t.equal(res.statusCode, 303);
  t.match((await organiser.get(list)).body, 'Done for 2; 0 left as they were.');
  t.equal((await mailsTo('bulk.one@example.hk')).length + (await mailsTo('bulk.two@example.hk')).length, 2);

  const cancel = await organiser.post(`${list}/bulk`, { action: 'cancel', ids: [String(a.id)], reason: 'Duplicate of another entry.' });
  t.equal(cancel.statusCode, 303);
  t.equal((await db.selectFrom('registrations').select('status').where('id', '=', a.id).executeTakeFirstOrThrow()).status, 'cancelled');

  t.equal((await organiser.post(`${list}/bulk`, { action: 'resend' })).statusCode, 400, 'nothing selected');
  t.equal((await organiser.post(`${list}/bulk`, { action: 'delete', ids: [String(b.id)] })).statusCode, 400, 'an unknown action');
  // Another event's registration in the selection is not this event's: left alone.
  const other = await db.selectFrom('registrations').select(['id', 'status']).where('event_id', '<>', event.id)
    .where('status', '=', 'confirmed').executeTakeFirstOrThrow();
  await organiser.post(`${list}/bulk`, { action: 'cancel', ids: [String(other.id)] });
  t.match((await organiser.get(list)).body, 'Done for 0; 1 left as they were.');
  t.equal((await db.selectFrom('registrations').select('status').where('id', '=', other.id).executeTakeFirstOrThrow()).status, 'confirmed');
  t.equal((await organiser.get(`${list}/${other.id}`)).statusCode, 404, 'and not found under this event');
});
