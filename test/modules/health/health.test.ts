import t from 'tap';
import { buildApp } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { cloneTemplate } from '../../helpers/database.ts';
import { build } from '../../helpers/app.ts';

t.test('healthz answers ok while the database answers', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { status: 'ok' });
});

t.test('healthz answers 503 once the database is gone', async (t) => {
  const handle = await cloneTemplate();
  const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), db: handle.db, logger: false });
  t.teardown(() => app.close());
  await handle.close();
  const res = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(res.statusCode, 503);
  t.same(res.json(), { status: 'unavailable' });
});
