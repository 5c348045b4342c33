import t from 'tap';
import { startSession } from '../../src/modules/auth/service.ts';
import { Agent } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';

/*
 * Every route the app registers, tried by every kind of caller. A route's declared access
 * decides the expected answer: callers outside it are sent to sign in (anonymous) or told the
 * page does not exist (signed in with the wrong role); callers inside it never meet the guard
 * and never a 5xx — even with nonsense parameters and an empty form.
 */

const personas = {
  anonymous: null,
  'judge A': 'judge1@ipcoop.test',
  'judge B': 'judge2@ipcoop.test',
  'organiser of another organisation': 'organiser@customs.test',
  organiser: 'organiser@hkipd.test',
  admin: 'admin@ipcoop.test',
} as const;
type Persona = keyof typeof personas;

const roleOf: Record<Persona, string | null> = {
  anonymous: null, 'judge A': 'judge', 'judge B': 'judge',
  'organiser of another organisation': 'organiser', organiser: 'organiser', admin: 'admin',
};

const allowed: Record<string, (role: string) => boolean> = {
  'signed-in': () => true,
  organiser: (role) => role === 'organiser' || role === 'admin',
  judge: (role) => role === 'judge' || role === 'admin',
  admin: (role) => role === 'admin',
};

/** A value for each route parameter that names nothing, in the shape the route expects. */
function fill(url: string) {
  return url.replace(/:([A-Za-z_]+)/g, (_m, name: string) => {
    if (/token/i.test(name)) return 'A'.repeat(43);
    if (/^(id|number|.*Id)$/.test(name)) return '999999';
    return 'no-such-thing';
  });
}

t.test('every route answers each kind of caller as its declared access says', async (t) => {
  const { app, db } = await build(t);
  const users = await db.selectFrom('users').select(['id', 'email']).execute();
  const csrfSource = new Agent(app);
  await csrfSource.get('/login');
  const csrfCookie = [...csrfSource.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

  const routes = app.routeAccess.filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/static/'));
  t.ok(routes.length >= 20, `${routes.length} routes under test`);
  let tried = 0;

  for (const route of routes) {
    const url = fill(route.url);
    for (const [persona, email] of Object.entries(personas) as [Persona, string | null][]) {
      let cookie = csrfCookie;
      if (email) {
        // A fresh session per request: routes such as /logout end the one they are given.
        const user = users.find((u) => u.email === email);
        if (!user) throw new Error(`no demo user ${email}`);
        cookie += `; ipcoop_session=${await startSession(db, user.id, '127.0.0.1', 'matrix')}`;
      }
      const res = await app.inject({
        method: route.method as 'GET' | 'POST',
        url,
        headers: { cookie, ...(route.method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ...(route.method === 'POST' ? { payload: `_csrf=${encodeURIComponent(csrfSource.csrf)}` } : {}),
      });
      tried++;
      const label = `${route.method} ${route.url} as ${persona}`;
      t.ok(res.statusCode < 500, `${label}: no server error (${res.statusCode})`);
      const role = roleOf[persona];
      if (route.access === 'public') {
        t.not(res.statusCode, 401, label);
        t.notOk(res.statusCode === 303 && /^\/login/.test(String(res.headers.location)), `${label}: not sent to sign in`);
      } else if (role === null) {
        if (route.method === 'GET') {
          t.equal(res.statusCode, 303, label);
          t.match(String(res.headers.location), /^\/login\?next=/, label);
        } else {
          t.equal(res.statusCode, 401, label);
        }
      } else if (!allowed[route.access]?.(role)) {
        t.equal(res.statusCode, 404, `${label}: outside its role, the page does not exist`);
      } else {
        t.not(res.statusCode, 401, label);
        t.not(res.statusCode, 403, label);
      }
    }
  }
  t.comment(`${tried} requests over ${routes.length} routes and ${Object.keys(personas).length} kinds of caller`);
});

t.test('a route that declares no access stops the app from starting', async (t) => {
  const { app } = await build(t);
  t.throws(() => app.get('/unguarded', async () => 'x'), /declares no access/);
});
