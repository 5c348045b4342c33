import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { registrationMatches } from '../../src/lib/search.ts';
import { searchDesk } from '../../src/modules/checkin/queries.ts';
import { registrantsPage } from '../../src/modules/registrants/queries.ts';
import { signedIn } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';

/*
 * Searching an event's registrations by name, email or organisation, in English and Chinese,
 * through the trigram index (migrations/2026-12-04T08-00_search-index.ts): the answers, and
 * that the query is one the index can answer. Whether the planner picks the index on a large
 * table is checked on PostgreSQL by test/performance/query-plans.test.ts.
 */

const { app, db } = await build(t);
const organiser = await signedIn(app, 'organiser@hkipd.test');
const event = await db.selectFrom('events').select(['id', 'slug']).where('slug', '=', 'sme-seminar-2019').executeTakeFirstOrThrow();
const other = await db.selectFrom('events').select(['id']).where('id', '<>', event.id).orderBy('id').executeTakeFirstOrThrow();

const people = [
  { name: '陳大文', email: 'tai.man.chan@search.test', organisation: '香港知識產權署' },
  { name: 'Chan Siu Ming', email: 'siuming@harbour.test', organisation: 'Harbour Patents 100% Ltd' },
  { name: '李小龍', email: 'bruce@search.test', organisation: '深圳市知识产权局' },
  { name: 'Li Na', email: 'lina@shenzhen.test', organisation: 'Shenzhen_IP' },
];
for (const p of people) {
  await db.insertInto('registrations').values({
    event_id: event.id, ...p, side: 'HK', status: 'confirmed', answers: '{}', token_hash: randomUUID(),
  }).execute();
}
// The same name at another event: never among this event's answers.
await db.insertInto('registrations').values({
  event_id: other.id, name: '陳大文', email: 'elsewhere@search.test', organisation: '', side: 'HK', status: 'confirmed', answers: '{}',
  token_hash: randomUUID(),
}).execute();

const names = async (q: string) => (await searchDesk(db, event.id, q)).map((r) => r.name).filter((n) => people.some((p) => p.name === n));

t.test('the check-in desk finds people by any part of name, email or organisation, in either script', async (t) => {
  t.same(await names('陳大文'), ['陳大文'], 'a Chinese name, three characters');
  t.same(await names('大文'), ['陳大文'], 'two characters');
  t.same(await names('陳'), ['陳大文'], 'one character');
  t.same(await names('知識產權'), ['陳大文'], 'part of an organisation in Traditional Chinese');
  t.same(await names('知识产权'), ['李小龍'], 'and in Simplified');
  t.same((await names('chan')).sort(), ['Chan Siu Ming', '陳大文'].sort(), 'any case, in names and emails');
  t.same(await names('HARBOUR.TEST'), ['Chan Siu Ming'], 'part of an email address');
  t.same(await names('100%'), ['Chan Siu Ming'], '% is a character, not a wildcard');
  t.same(await names('n_ip'), ['Li Na'], 'and so is _');
  t.same(await names('nzhen_'), ['Li Na']);
  t.same(await names('Ming\u001fsiuming'), [], 'no match across two fields');
  t.same(await names('Ming\u0000'), ['Chan Siu Ming'], 'control characters are dropped');
  const all = await searchDesk(db, event.id, '陳大文');
  t.equal(all.length, 1, 'the other event\'s 陳大文 is not among them');
});

t.test('the desk page and the registrants list search the same way', async (t) => {
  const desk = await organiser.get(`/manage/events/${event.slug}/checkin?q=${encodeURIComponent('大文')}`);
  t.equal(desk.statusCode, 200);
  t.match(desk.body, /陳大文/);
  t.notMatch(desk.body, /李小龍/);
  const page = await registrantsPage(db, event.id, { q: 'shenzhen' });
  t.same(page.rows.map((r) => r.name).filter((n) => people.some((p) => p.name === n)), ['Li Na'], 'by email and organisation');
  const list = await organiser.get(`/manage/events/${event.slug}/registrations?q=${encodeURIComponent('香港知識')}`);
  t.equal(list.statusCode, 200);
  t.match(list.body, /陳大文/);
  t.notMatch(list.body, /Chan Siu Ming/);
});

t.test('the search is one the trigram index answers', async (t) => {
  for (const q of ['chan', '陳大文']) {
    const plan = await db.transaction().execute(async (trx) => {
      // Tiny tables are read whole by choice: forbid that, to see whether the index can serve the query at all.
      await sql`set local enable_seqscan = off`.execute(trx);
      // The text alone: no other index on registrations can serve it.
      const compiled = db.selectFrom('registrations').select('id').where(registrationMatches(q)).compile();
      const { rows } = await sql<{ 'QUERY PLAN': string }>`explain ${sql.raw(inline(compiled.sql, compiled.parameters))}`.execute(trx);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    t.match(plan, /registrations_search_idx/, `${q}: ${plan}`);
  }
});

/** The statement with its parameters written in (EXPLAIN takes no parameters). */
function inline(text: string, parameters: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const value = parameters[Number(n) - 1];
    return typeof value === 'number' ? String(value) : `'${String(value).replace(/'/g, "''")}'`;
  });
}
