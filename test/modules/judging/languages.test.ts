import { sql } from 'kysely';
import t from 'tap';
import { signedIn } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

t.test("a judge reads the criteria in the site's language, derived from the other script where only one is written", async (t) => {
  const { app, db } = await build(t);
  const judge = await db.selectFrom('users').select('id').where('email', '=', 'judge1@ipcoop.test').executeTakeFirstOrThrow();
  const assignment = await db.selectFrom('assignments').select(['id', 'round_id']).where('judge_id', '=', judge.id)
    .where('status', '=', 'assigned').orderBy('id').executeTakeFirstOrThrow();
  const [criterion] = await db.selectFrom('criteria').select(['id', 'name']).where('round_id', '=', assignment.round_id).orderBy('position').execute();
  if (!criterion) throw new Error('the round has criteria');
  await sql`update criteria set translations = ${JSON.stringify({ 'zh-Hant': { name: '創新程度', guidance: '發明是否新穎。' } })}::jsonb
    where id = ${criterion.id}`.execute(db);

  const agent = await signedIn(app, 'judge1@ipcoop.test');
  t.equal((await agent.post(`/judging/assignments/${assignment.id}/declaration`, { conflict: 'none' })).statusCode, 303);
  const hant = await agent.get(`/judging/assignments/${assignment.id}?lang=zh-Hant`);
  t.equal(hant.statusCode, 200);
  t.match(hant.body, '<legend>創新程度 ', 'the name as written');
  t.match(hant.body, '發明是否新穎。');
  const hans = await agent.get(`/judging/assignments/${assignment.id}?lang=zh-Hans`);
  t.match(hans.body, '<legend>创新程度 ', 'derived in Simplified');
  t.match(hans.body, '发明是否新颖。');
  const missing = await agent.post(`/judging/assignments/${assignment.id}`, { action: 'submit' });
  t.equal(missing.statusCode, 400);
  t.match(missing.body, '创新程度', "the criterion named in the refusal in the reader's language");
  const en = await agent.get(`/judging/assignments/${assignment.id}?lang=en`);
  t.match(en.body, `<legend>${criterion.name.replace(/&/g, '&amp;')} `, 'English as entered');
});
