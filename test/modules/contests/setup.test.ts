import t from 'tap';
import { signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

const { app, db } = await build(t);
const hkipd = await signedIn(app, 'organiser@hkipd.test');

const contestOf = (slug: string) => db.selectFrom('contests').selectAll().where('slug', '=', slug).executeTakeFirstOrThrow();
const snapshot = async (contestId: number) => ({
  categories: await db.selectFrom('contest_categories').selectAll().where('contest_id', '=', contestId).orderBy('id').execute(),
  tiers: await db.selectFrom('award_tiers').selectAll().where('contest_id', '=', contestId).orderBy('rank').execute(),
  criteria: await db.selectFrom('criteria as c').innerJoin('contest_rounds as r', 'r.id', 'c.round_id').where('r.contest_id', '=', contestId)
    .selectAll('c').orderBy('c.id').execute(),
  rounds: await db.selectFrom('contest_rounds').selectAll().where('contest_id', '=', contestId).orderBy('position').execute(),
});

t.test('an organiser creates a contest and sets up its categories, rounds, criteria and award tiers', async (t) => {
  const { item_id } = await contestOf('gd-youth-invention-2019');
  const form = await hkipd.get(`/manage/contests/new?item=${item_id}`);
  t.equal(form.statusCode, 200);
  t.match(form.body, `<option value="${item_id}" selected`);

  const created = await hkipd.post('/manage/contests/new', {
    item_id: String(item_id), kind: 'youth_invention', title: 'Youth Invention Award', slug: '', description: 'For pupils.',
    entry_opens_at: '2027-01-05T09:00', entry_closes_at: '2027-03-31T17:00', first_round: 'Preliminary round', blind: 'on',
  });
  t.equal(created.statusCode, 303);
  t.match(created.headers.location, /^\/manage\/contests\/youth-invention-award-2027\/setup\?saved/);
  const contest = await contestOf('youth-invention-award-2027');
  t.match(contest, { kind: 'youth_invention', status: 'draft', blind: true, item_id });
  t.equal(contest.entry_closes_at?.toISOString(), '2027-03-31T09:00:00.000Z', 'Hong Kong time');
  const base = `/manage/contests/${contest.slug}`;

  const page = await hkipd.get(created.headers.location as string);
  t.equal(page.statusCode, 200);
  t.match(page.body, 'Round 1: Preliminary round');
  t.match(page.body, 'name="category_0_code"');

  t.equal((await hkipd.post(`${base}/categories`, {
    category_0_id: '', category_0_code: 'primary', category_0_name: 'Primary school',
    category_1_id: '', category_1_code: 'secondary', category_1_name: 'Secondary school',
    category_2_id: '', category_2_code: '', category_2_name: '',
  })).statusCode, 303);
  t.equal((await hkipd.post(`${base}/tiers`, {
    tier_0_id: '', tier_0_code: 'gold', tier_0_name: 'Gold Award', tier_0_quota: '3', tier_0_major: 'on',
    tier_1_id: '', tier_1_code: 'merit', tier_1_name: 'Merit Award', tier_1_quota: '',
  })).statusCode, 303);
  t.equal((await hkipd.post(`${base}/rounds/1/criteria`, {
    round_name: 'First round',
    criterion_0_id: '', criterion_0_name: 'Originality', criterion_0_weight: '3', criterion_0_max: '10', criterion_0_step: '0.5', criterion_0_guidance: 'How new is it?',
    criterion_1_id: '', criterion_1_name: 'Usefulness', criterion_1_weight: '2', criterion_1_max: '10', criterion_1_step: '', criterion_1_guidance: '',
  })).statusCode, 303);
  const added = await hkipd.post(`${base}/rounds`, { name: 'Final round' });
  t.equal(added.statusCode, 303);
  t.match(added.headers.location, /#round-2$/);

  let s = await snapshot(contest.id);
  t.same(s.categories.map((c) => [c.code, c.name]), [['primary', 'Primary school'], ['secondary', 'Secondary school']]);
  t.same(s.tiers.map((x) => [x.code, x.rank, x.quota, x.is_major]), [['gold', 1, 3, true], ['merit', 2, null, false]]);
  t.same(s.criteria.map((c) => [c.name, c.position, Number(c.weight), Number(c.max_score), Number(c.step)]),
    [['Originality', 1, 3, 10, 0.5], ['Usefulness', 2, 2, 10, 1]]);
  t.same(s.rounds.map((r) => [r.position, r.name, r.status]), [[1, 'First round', 'pending'], [2, 'Final round', 'pending']]);

  // Reorder tiers and swap codes: ids are kept, so grants would stay with their tier.
  const [gold, merit] = s.tiers;
  t.equal((await hkipd.post(`${base}/tiers`, {
    tier_0_id: String(merit?.id), tier_0_code: 'merit', tier_0_name: 'Merit Award', tier_0_quota: '10',
    tier_1_id: String(gold?.id), tier_1_code: 'gold', tier_1_name: 'Gold Award', tier_1_quota: '3', tier_1_major: 'on',
  })).statusCode, 303);
  s = await snapshot(contest.id);
  t.same(s.tiers.map((x) => [x.id, x.code, x.rank]), [[merit?.id, 'merit', 1], [gold?.id, 'gold', 2]]);

  // The second round cannot open without criteria; the first (which has them) can.
  const noCriteria = await hkipd.post(`${base}/rounds/2/open`);
  t.equal(noCriteria.statusCode, 409);
  t.match(noCriteria.body, 'Give the round its criteria');
  t.equal((await hkipd.post(`${base}/rounds/1/open`)).statusCode, 303);

  const audit = await db.selectFrom('audit_log').select('action').where('entity', 'in', ['contest', 'round'])
    .where((eb) => eb.or([eb('entity_id', '=', String(contest.id)), eb('entity_id', 'in', s.rounds.map((r) => String(r.id)))]))
    .orderBy('id').execute();
  t.same(audit.map((a) => a.action), ['create', 'update_categories', 'update_tiers', 'update_criteria', 'add_round', 'update_tiers', 'open_round']);
  t.match(page.body, 'name="kind"', 'the kind can change while there are no entries');
});

t.test('bad setup input is refused beside the field and nothing is stored', async (t) => {
  const contest = await contestOf('gd-youth-invention-2019');
  const base = `/manage/contests/${contest.slug}`;
  const before = await snapshot(contest.id);
  const cases: [string, Record<string, string>, string, string][] = [
    ['categories', { category_0_code: 'Primary', category_0_name: 'P' }, 'category_0_code', 'Use lower-case letters'],
    ['categories', { category_0_code: 'a', category_0_name: 'A', category_1_code: 'a', category_1_name: 'B' }, 'category_1_code', 'The code &quot;a&quot; is used twice.'],
    ['categories', { category_0_code: 'a', category_0_name: '' }, 'category_0_name', 'Enter the name of the category.'],
    ['tiers', { tier_0_code: 'gold', tier_0_name: 'Gold', tier_0_quota: '0' }, 'tier_0_quota', 'Enter a whole number of at least 1'],
    ['tiers', { tier_0_code: 'gold', tier_0_name: '', tier_0_quota: '' }, 'tier_0_name', 'Enter the name of the award.'],
    ['rounds/1/criteria', { round_name: 'R', criterion_0_name: 'A', criterion_0_weight: '1', criterion_0_max: '10', criterion_0_step: '3' }, 'criterion_0_step', 'The maximum (10) must be a whole number of steps of 3.'],
    ['rounds/1/criteria', { round_name: 'R', criterion_0_name: 'A', criterion_0_weight: '-1', criterion_0_max: '10' }, 'criterion_0_weight', 'Enter a weight above 0'],
    ['rounds/1/criteria', { round_name: 'R', criterion_0_name: 'A', criterion_0_weight: '1', criterion_0_max: 'ten' }, 'criterion_0_max', 'Enter a maximum score above 0'],
    ['rounds/1/criteria', { round_name: '' }, 'criterion_0_name', 'A round needs at least one criterion.'],
    ['rounds', { name: '' }, 'name', 'Enter the name of the new round.'],
    ['details', { title: '', kind: 'speech' }, 'title', 'Enter a title.'],
  ];
  for (const [path, body, field, message] of cases) {
    const res = await hkipd.post(`${base}/${path}`, body);
    t.equal(res.statusCode, 400, `${path}: ${field}`);
    const id = path.startsWith('rounds/1/') ? `f-r1-${field}` : `f-${field}`;
    t.match(res.body, `id="${id}-error">${message}`, message);
  }
  t.same(await snapshot(contest.id), before, 'nothing stored');
  t.equal((await contestOf(contest.slug)).title, contest.title);
});

t.test('what entries, grants and scores rely on cannot be pulled from under them', async (t) => {
  // The 2019 youth award has entries in its categories and grants in its tiers.
  const youth = await contestOf('gd-youth-invention-2019');
  const base = `/manage/contests/${youth.slug}`;
  const before = await snapshot(youth.id);
  const usedCategory = await db.selectFrom('entries').select('category_id').where('contest_id', '=', youth.id)
    .where('category_id', 'is not', null).executeTakeFirstOrThrow();
  const keep = before.categories.filter((c) => c.id !== usedCategory.category_id);
  const dropUsed = Object.fromEntries(keep.flatMap((c, n) => [[`category_${n}_id`, String(c.id)], [`category_${n}_code`, c.code], [`category_${n}_name`, c.name]]));
  const refusedCategory = await hkipd.post(`${base}/categories`, keep.length ? dropUsed : { category_0_code: 'new', category_0_name: 'New' });
  t.equal(refusedCategory.statusCode, 400);
  t.match(refusedCategory.body, 'move them to another category before removing it');

  const granted = before.tiers[0];
  const tierRows = (quota: string) => Object.fromEntries(before.tiers.flatMap((x, n) => [[`tier_${n}_id`, String(x.id)], [`tier_${n}_code`, x.code],
    [`tier_${n}_name`, x.name], [`tier_${n}_quota`, n === 0 ? quota : x.quota === null ? '' : String(x.quota)], [`tier_${n}_major`, x.is_major ? 'on' : '']]));
  const low = await hkipd.post(`${base}/tiers`, tierRows('1'));
  t.equal(low.statusCode, 400);
  t.match(low.body, /id="f-tier_0_quota-error">\d+ of these awards are already granted; the quota cannot be lower\./);
  const withoutFirst = Object.fromEntries(before.tiers.slice(1).flatMap((x, n) => [[`tier_${n}_id`, String(x.id)], [`tier_${n}_code`, x.code], [`tier_${n}_name`, x.name]]));
  const removed = await hkipd.post(`${base}/tiers`, before.tiers.length > 1 ? withoutFirst : { tier_0_code: 'other', tier_0_name: 'Other' });
  t.equal(removed.statusCode, 400);
  t.match(removed.body, `${granted?.name} has been granted; withdraw those awards before removing the tier.`);

  const kind = await hkipd.post(`${base}/details`, { title: youth.title, description: youth.description, kind: 'speech' });
  t.equal(kind.statusCode, 400);
  t.match(kind.body, 'the kind can no longer change');
  t.same(await snapshot(youth.id), before, 'nothing changed');
  t.equal((await contestOf(youth.slug)).kind, 'youth_invention');

  // The 2019 patent contest has been scored: its scale is fixed, its wording is not.
  const hvpp = await contestOf('hvpp-contest-2019');
  const scored = await snapshot(hvpp.id);
  const round1 = scored.rounds[0];
  const criteria = scored.criteria.filter((c) => c.round_id === round1?.id).sort((a, b) => a.position - b.position);
  const rows = (change: (n: number) => Record<string, string>) => ({
    round_name: round1?.name ?? '',
    ...Object.fromEntries(criteria.flatMap((c, n) => Object.entries({
      [`criterion_${n}_id`]: String(c.id), [`criterion_${n}_name`]: c.name, [`criterion_${n}_guidance`]: c.guidance,
      [`criterion_${n}_weight`]: String(Number(c.weight)), [`criterion_${n}_max`]: String(Number(c.max_score)), [`criterion_${n}_step`]: String(Number(c.step)),
      ...change(n),
    }))),
  });
  const reweighted = await hkipd.post(`/manage/contests/${hvpp.slug}/rounds/1/criteria`, rows((n): Record<string, string> => (n === 0 ? { criterion_0_weight: '9' } : {})));
  t.equal(reweighted.statusCode, 400);
  t.match(reweighted.body, 'Judges have started scoring this round');
  t.same(await snapshot(hvpp.id), scored);
  const renamed = await hkipd.post(`/manage/contests/${hvpp.slug}/rounds/1/criteria`, rows((n): Record<string, string> => (n === 0 ? { criterion_0_guidance: 'Clearer guidance.' } : {})));
  t.equal(renamed.statusCode, 303);
  const first = await db.selectFrom('criteria').selectAll().where('id', '=', criteria[0]?.id ?? 0).executeTakeFirstOrThrow();
  t.equal(first.guidance, 'Clearer guidance.');
  t.equal(Number(first.weight), Number(criteria[0]?.weight));
});

t.test('contest setup is scoped to the organiser\'s items', async (t) => {
  const hvpp = await contestOf('hvpp-contest-2019');
  const customs = await signedIn(app, 'organiser@customs.test');
  const before = await snapshot(hvpp.id);
  t.equal((await customs.get(`/manage/contests/${hvpp.slug}/setup`)).statusCode, 404);
  for (const path of ['details', 'categories', 'tiers', 'rounds', 'rounds/1/criteria']) {
    t.equal((await customs.post(`/manage/contests/${hvpp.slug}/${path}`, { name: 'x', title: 'x', kind: 'speech' })).statusCode, 404, path);
  }
  const created = await customs.post('/manage/contests/new', {
    item_id: String(hvpp.item_id), kind: 'speech', title: 'Not mine', first_round: 'Round one',
  });
  t.equal(created.statusCode, 400);
  t.match(created.body, 'Choose one of your items.');
  t.same(await snapshot(hvpp.id), before);
  t.equal((await db.selectFrom('contests').select('id').where('title', '=', 'Not mine').execute()).length, 0);
});
