import { sql } from 'kysely';
import t from 'tap';
import type { Database } from '../../../src/db/index.ts';
import { signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/** Items the Hong Kong IP Department is a party to and Customs is not: in the one's scope, out of the other's. */
const hkipdOnly = sql<boolean>`exists (select 1 from item_parties ip join organisations o on o.id = ip.organisation_id where ip.item_id = k.item_id and o.code = 'HKIPD')
  and not exists (select 1 from item_parties ip join organisations o on o.id = ip.organisation_id where ip.item_id = k.item_id and o.code = 'HKC&ED')`;

type Case = {
  kind: string;
  ref: string;
  table: 'events' | 'programmes' | 'contests' | 'criteria' | 'award_tiers';
  id: number;
  field: string;
  english: string;
  max: number;
  /** A public page showing the field, if there is one. */
  publicPage?: string;
};

async function cases(db: Database): Promise<Case[]> {
  const event = await db.selectFrom('events as k').where('k.status', 'in', ['published', 'closed']).where(hkipdOnly)
    .select(['k.id', 'k.slug', 'k.title']).orderBy('k.id').executeTakeFirstOrThrow();
  const programme = await db.selectFrom('programmes as k').where('k.status', 'in', ['open', 'closed', 'completed']).where(hkipdOnly)
    .select(['k.id', 'k.slug', 'k.title']).orderBy('k.id').executeTakeFirstOrThrow();
  const contest = await db.selectFrom('contests as k').where('k.status', 'in', ['open', 'judging', 'closed']).where(hkipdOnly)
    .where((eb) => eb.exists(eb.selectFrom('award_tiers').select('id').whereRef('contest_id', '=', 'k.id')))
    .where((eb) => eb.exists(eb.selectFrom('contest_rounds as r').innerJoin('criteria as c', 'c.round_id', 'r.id').select('c.id').whereRef('r.contest_id', '=', 'k.id')))
    .select(['k.id', 'k.slug', 'k.title']).orderBy('k.id').executeTakeFirstOrThrow();
  const tier = await db.selectFrom('award_tiers').where('contest_id', '=', contest.id).select(['id', 'name']).orderBy('rank').executeTakeFirstOrThrow();
  const criterion = await db.selectFrom('criteria as c').innerJoin('contest_rounds as r', 'r.id', 'c.round_id').where('r.contest_id', '=', contest.id)
    .select(['c.id', 'c.name']).orderBy('c.id').executeTakeFirstOrThrow();
  return [
    { kind: 'event', ref: event.slug, table: 'events', id: event.id, field: 'title', english: event.title, max: 300, publicPage: `/events/${event.slug}` },
    { kind: 'programme', ref: String(programme.id), table: 'programmes', id: programme.id, field: 'title', english: programme.title, max: 300, publicPage: `/programmes/${programme.slug}` },
    { kind: 'contest', ref: contest.slug, table: 'contests', id: contest.id, field: 'title', english: contest.title, max: 300, publicPage: `/contests/${contest.slug}` },
    { kind: 'criterion', ref: String(criterion.id), table: 'criteria', id: criterion.id, field: 'name', english: criterion.name, max: 200 },
    { kind: 'tier', ref: String(tier.id), table: 'award_tiers', id: tier.id, field: 'name', english: tier.name, max: 200, publicPage: `/contests/${contest.slug}` },
  ];
}

const stored = async (db: Database, c: Case) =>
  (await db.selectFrom(c.table as 'events').select('translations').where('id', '=', c.id).executeTakeFirstOrThrow()).translations;

/** A word per kind, written in Traditional and what Simplified readers get. */
const WORDS: Record<string, [string, string]> = {
  event: ['活動', '活动'], programme: ['計劃', '计划'], contest: ['比賽', '比赛'], criterion: ['準則', '准则'], tier: ['獎項', '奖项'],
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

t.test('organisers write each kind in Chinese; the other script is derived, readers get it, out of scope is not found', async (t) => {
  const { app, db } = await build(t);
  const hkipd = await signedIn(app, 'organiser@hkipd.test');
  const customs = await signedIn(app, 'organiser@customs.test');

  for (const c of await cases(db)) {
    await t.test(c.kind, async (t) => {
      const url = `/manage/translations/${c.kind}/${encodeURIComponent(c.ref)}`;
      const page = await hkipd.get(url);
      t.equal(page.statusCode, 200);
      t.match(page.body, new RegExp(`繁體中文 · ${c.field === 'title' ? 'Title' : 'Name'}:</span> <span class="tag tag--warn" lang="en">missing: English is shown`), 'missing shown');
      t.match(page.body, `maxlength="${c.max}"`, 'the form bounds the field as the service does');

      const before = await stored(db, c);
      const tooLong = await hkipd.post(url, { [`${c.field}_zh_hant`]: '字'.repeat(c.max + 1), [`${c.field}_zh_hans`]: '' });
      t.equal(tooLong.statusCode, 400, 'too long is refused');
      t.match(tooLong.body, `id="f-${c.field}_zh_hant-error">Use at most ${c.max} characters.`, 'the message beside the field');
      t.same(await stored(db, c), before, 'nothing written');

      const [word, simplifiedWord] = WORDS[c.kind]!;
      const traditional = `國際知識產權論壇${word}`;
      const saved = await hkipd.post(url, { [`${c.field}_zh_hant`]: traditional, [`${c.field}_zh_hans`]: '' });
      t.equal(saved.statusCode, 200);
      t.match(saved.body, 'The Chinese versions are saved.');
      t.match(saved.body, new RegExp(`简体中文 · ${c.field === 'title' ? 'Title' : 'Name'}:</span> <span class="tag tag--warn" lang="en">derived from the other script`), 'marked derived');
      t.same(await stored(db, c), { 'zh-Hant': { [c.field]: traditional } }, 'only the Traditional text is stored');
      const audit = await db.selectFrom('audit_log').select(['changes', 'item_id']).where('action', '=', 'translate')
        .where('entity_id', '=', String(c.id)).orderBy('id', 'desc').executeTakeFirstOrThrow();
      t.match(JSON.stringify(audit.changes), `${c.field} (zh-Hant)`, 'audited');
      t.ok(audit.item_id, 'the audit entry is scoped by its item');

      if (c.publicPage) {
        const hans = await app.inject({ method: 'GET', url: `${c.publicPage}?lang=zh-Hans` });
        t.match(hans.body, `国际知识产权论坛${simplifiedWord}`, 'Simplified readers get the derived text');
        const hant = await app.inject({ method: 'GET', url: `${c.publicPage}?lang=zh-Hant` });
        t.match(hant.body, traditional);
        const en = await app.inject({ method: 'GET', url: `${c.publicPage}?lang=en` });
        t.match(en.body, esc(c.english), 'English readers get the English');
        t.notMatch(en.body, traditional);
        if (c.field === 'title') t.match(hans.body, `<title>国际知识产权论坛${simplifiedWord} · ipcoop</title>`, 'the page title too');
      }

      t.equal((await customs.get(url)).statusCode, 404, 'another organiser\'s object is not found');
      t.equal((await customs.post(url, { [`${c.field}_zh_hant`]: 'x' })).statusCode, 404);
      t.same(await stored(db, c), { 'zh-Hant': { [c.field]: traditional } }, 'and not written');
    });
  }

  t.equal((await hkipd.get('/manage/translations/nothing/1')).statusCode, 404, 'an unknown kind is not found');
  t.equal((await hkipd.get('/manage/translations/programme/abc')).statusCode, 404, 'a malformed id is not found');
});

t.test('organiser pages link to the Chinese versions and say what is missing', async (t) => {
  const { app, db } = await build(t);
  const hkipd = await signedIn(app, 'organiser@hkipd.test');
  const [event, programme, contest] = await cases(db);
  const eventPage = await hkipd.get(`/manage/events/${event!.ref}`);
  t.match(eventPage.body, `<a href="/manage/translations/event/${event!.ref}">Chinese versions</a> <span class="tag tag--warn">not all written`);
  const programmePage = await hkipd.get(`/manage/programmes/${programme!.ref}`);
  t.match(programmePage.body, `<a href="/manage/translations/programme/${programme!.ref}">Chinese versions</a>`);
  const setup = await hkipd.get(`/manage/contests/${contest!.ref}/setup`);
  t.match(setup.body, `/manage/translations/contest/${contest!.ref}`);
  t.match(setup.body, /\/manage\/translations\/criterion\/\d+/);
  t.match(setup.body, /\/manage\/translations\/tier\/\d+/);
});

t.test('public lists show Chinese titles where written and English where not', async (t) => {
  const { app, db } = await build(t);
  const [translated, untranslated] = await db.selectFrom('events').where('status', '=', 'published').where('ends_at', '>=', new Date())
    .select(['id', 'title']).orderBy('starts_at').limit(2).execute();
  t.ok(translated && untranslated, 'two upcoming events');
  await db.updateTable('events').set({ translations: JSON.stringify({ 'zh-Hans': { title: '知识产权交流会' } }) }).where('id', '=', translated!.id).execute();
  const hant = await app.inject({ method: 'GET', url: '/events?lang=zh-Hant' });
  t.match(hant.body, '知識產權交流會', 'derived into Traditional');
  t.match(hant.body, esc(untranslated!.title), 'English where nothing is written');
  const en = await app.inject({ method: 'GET', url: '/events?lang=en' });
  t.match(en.body, esc(translated!.title));
  t.notMatch(en.body, '知识产权交流会');
});
