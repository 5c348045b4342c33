import t from 'tap';
import { signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

t.test('the invitation form takes a judge\'s organisation; an independent judge has none', async (t) => {
  const { app, db } = await build(t);
  const organiser = await signedIn(app, 'organiser@gdipa.test');
  const form = await organiser.get('/manage/users');
  t.equal(form.statusCode, 200);
  t.match(form.body, /<select id="f-organisation_id" name="organisation_id"[^>]*>\s*<option value="">None \(independent judge\)<\/option>/,
    'organisers inviting judges choose it too; empty means independent');
  t.match(form.body, 'they are never given its entries');

  const hkipd = await db.selectFrom('organisations').select('id').where('code', '=', 'HKIPD').executeTakeFirstOrThrow();
  t.equal((await organiser.post('/manage/users/invite', {
    name: 'Wong Siu-ming', email: 'wong@hkipd.example', role: 'judge', organisation_id: String(hkipd.id),
  })).statusCode, 200);
  t.equal((await organiser.post('/manage/users/invite', {
    name: 'Ho Ka-yan', email: 'ho@independent.example', role: 'judge', organisation_id: '',
  })).statusCode, 200);
  const unlisted = await organiser.post('/manage/users/invite', { name: 'X', email: 'x@example.org', role: 'judge', organisation_id: '99999' });
  t.equal(unlisted.statusCode, 400);
  t.match(unlisted.body, 'id="f-organisation_id-error">Choose an organisation from the list.');

  const organisationOf = async (email: string) =>
    (await db.selectFrom('users').select('organisation_id').where('email', '=', email).executeTakeFirstOrThrow()).organisation_id;
  t.equal(await organisationOf('wong@hkipd.example'), hkipd.id, 'the judge is stored with their organisation');
  t.equal(await organisationOf('ho@independent.example'), null, 'an independent judge has none');

  // An administrator saving the judge's row (here: disabling and enabling) keeps the organisation.
  const admin = await signedIn(app, 'admin@ipcoop.test');
  const wong = await db.selectFrom('users').select('id').where('email', '=', 'wong@hkipd.example').executeTakeFirstOrThrow();
  t.equal((await admin.post(`/manage/users/${wong.id}`, { role: 'judge', organisation_id: String(hkipd.id), disabled: 'on' })).statusCode, 303);
  t.equal((await admin.post(`/manage/users/${wong.id}`, { role: 'judge', organisation_id: String(hkipd.id) })).statusCode, 303);
  t.equal(await organisationOf('wong@hkipd.example'), hkipd.id);
  const asAdmin = await admin.post('/manage/users/invite', {
    name: 'Chan Tai-man', email: 'chan@admin.example', role: 'admin', organisation_id: String(hkipd.id),
  });
  t.equal(asAdmin.statusCode, 200);
  t.equal(await organisationOf('chan@admin.example'), null, 'an administrator belongs to no organisation');
});

t.test('a judge invited with an organisation is never given that organisation\'s entries', async (t) => {
  const { app, db } = await build(t);
  const organiser = await signedIn(app, 'organiser@gdipa.test');
  const contest = await db.selectFrom('contests').selectAll().where('slug', 'like', 'hvpp-contest-20__-__').where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  const base = `/manage/contests/${contest.slug}`;
  const hkipd = await db.selectFrom('organisations').select('id').where('code', '=', 'HKIPD').executeTakeFirstOrThrow();
  const entries = await db.selectFrom('entries').select('id').where('contest_id', '=', contest.id).where('status', '=', 'submitted')
    .orderBy('reference').execute();
  t.ok(entries.length >= 2, 'entries to judge');
  // The first entry is HKIPD's; no judge of the panel works for HKIPD.
  await db.updateTable('entries').set({ organisation_id: hkipd.id }).where('id', '=', entries[0]!.id).execute();

  t.equal((await organiser.post('/manage/users/invite', {
    name: 'Wong Siu-ming', email: 'wong@hkipd.example', role: 'judge', organisation_id: String(hkipd.id),
  })).statusCode, 200);
  const judge = await db.selectFrom('users').select('id').where('email', '=', 'wong@hkipd.example').executeTakeFirstOrThrow();
  t.equal((await organiser.post(`${base}/judges`, { judge_id: String(judge.id) })).statusCode, 303, 'on the panel');
  const panel = await db.selectFrom('contest_judges').select('user_id').where('contest_id', '=', contest.id).execute();
  t.ok(panel.some((p) => p.user_id === judge.id));

  t.equal((await organiser.post(`${base}/rounds/1/open`)).statusCode, 303);
  const byHand = await organiser.post(`${base}/rounds/1/assign`, { entry_id: String(entries[0]!.id), judge_id: String(judge.id) });
  t.equal(byHand.statusCode, 400, 'not by hand');
  t.match(byHand.body, 'That judge has a conflict of interest with that entry.');

  // As many judges per entry as the panel has: only a conflict keeps a judge from an entry.
  t.equal((await organiser.post(`${base}/rounds/1/auto-assign`, { per_entry: String(panel.length) })).statusCode, 303);
  const round = await db.selectFrom('contest_rounds').select('id').where('contest_id', '=', contest.id).where('position', '=', 1)
    .executeTakeFirstOrThrow();
  const theirs = await db.selectFrom('assignments').select('entry_id').where('round_id', '=', round.id).where('judge_id', '=', judge.id)
    .execute();
  t.notOk(theirs.some((a) => a.entry_id === entries[0]!.id), 'not the entry of their own organisation');
  t.equal(theirs.length, entries.length - 1, 'every other entry');
});
