import t from 'tap';
import { signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

t.test('an organiser\'s refusal about a delegation names its status in the reader\'s language', async (t) => {
  const { app, db } = await build(t);
  const d = await db.selectFrom('delegations as d').innerJoin('programmes as p', 'p.id', 'd.programme_id')
    .where('p.slug', '=', 'ip-dispute-resolution-exchange-2019').where('d.status', '=', 'completed').select('d.id').executeTakeFirstOrThrow();
  const hkipd = await signedIn(app, 'organiser@hkipd.test');

  await hkipd.get('/manage?lang=zh-Hant');
  const hant = await hkipd.post(`/manage/delegations/${d.id}/withdraw`);
  t.equal(hant.statusCode, 409);
  t.match(hant.body, /代表團的狀態為「[^」A-Za-z]+」，不可撤回。/, 'the status in Chinese, not "completed"');
  t.notMatch(hant.body, 'completed');

  await hkipd.get('/manage?lang=en');
  const en = await hkipd.post(`/manage/delegations/${d.id}/withdraw`);
  t.match(en.body, 'The delegation is completed; it cannot be withdrawn.');
  t.equal((await db.selectFrom('delegations').select('status').where('id', '=', d.id).executeTakeFirstOrThrow()).status, 'completed');
});
