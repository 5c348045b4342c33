import t from 'tap';
import { Agent, signedIn } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';

t.test('a state-changing form without its CSRF token, or with a wrong one, changes nothing', async (t) => {
  const { app, db } = await build(t);
  const organiser = await signedIn(app, 'organiser@hkipd.test');
  const item = await db.selectFrom('items as i').innerJoin('item_parties as ip', 'ip.item_id', 'i.id')
    .innerJoin('organisations as o', 'o.id', 'ip.organisation_id').where('o.code', '=', 'HKIPD')
    .select(['i.id', 'i.title', 'i.status', 'i.narrative']).executeTakeFirstOrThrow();
  const form = { title: 'Changed by a forged form', status: 'planned', narrative: 'Forged.' };

  for (const [label, csrf] of [['missing', undefined], ['wrong', 'forged-token'], ['empty', '']] as const) {
    const body = csrf === undefined ? { ...form, _csrf: [] } : { ...form, _csrf: csrf };
    const res = await organiser.post(`/manage/items/${item.id}`, body);
    t.equal(res.statusCode, 403, `${label} token`);
    t.match(res.body, /This form has expired or did not come from this site/);
  }
  const fromElsewhere = await app.inject({
    method: 'POST', url: `/manage/items/${item.id}`,
    headers: { cookie: `ipcoop_session=${organiser.cookies.get('ipcoop_session')}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ...form, _csrf: organiser.csrf }).toString(),
  });
  t.equal(fromElsewhere.statusCode, 403, 'a token without the cookie it belongs to');
  const after = await db.selectFrom('items').select(['title', 'status', 'narrative']).where('id', '=', item.id).executeTakeFirstOrThrow();
  t.same(after, { title: item.title, status: item.status, narrative: item.narrative }, 'nothing changed');
  t.equal((await db.selectFrom('audit_log').select('id').where('entity', '=', 'item').execute()).length, 0);

  const login = await new Agent(app).app.inject({
    method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'email=admin%40ipcoop.test&password=demo-password-2019',
  });
  t.equal(login.statusCode, 403, 'even the login form needs its token');
});

t.test('an oversized body is refused with 413', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({
    method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `email=${'a'.repeat(300 * 1024)}`,
  });
  t.equal(res.statusCode, 413);
  t.match(res.body, /Too much data/);
});

t.test('errors never show internals', async (t) => {
  const { app } = await build(t);
  app.get('/boom', { config: { access: 'public' } }, async () => {
    throw new Error('relation "secret_table" does not exist at /work/main/src/somewhere.ts:12');
  });
  const html = await app.inject({ method: 'GET', url: '/boom' });
  t.equal(html.statusCode, 500);
  t.match(html.body, /Something went wrong on our side/);
  t.notMatch(html.body, /secret_table|somewhere\.ts|at /);
  const json = await app.inject({ method: 'GET', url: '/boom', headers: { accept: 'application/json' } });
  t.same(json.json(), { statusCode: 500, error: 'Something went wrong', message: 'Something went wrong on our side. Please try again in a moment.' });
});
