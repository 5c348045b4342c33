import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import t from 'tap';
import { startSession } from '../../src/modules/auth/service.ts';
import { Agent } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';
import { changedTables, fingerprint, type OwnedObjects, ownedObjects } from '../helpers/owned-objects.ts';

/*
 * Every route the app registers, tried by every kind of caller, on real objects. A route's
 * parameters name objects of the demo data that belong to one organisation (HKIPD) and not to
 * another (Hong Kong Customs), through the table RULES below; a route with a parameter the
 * table does not cover fails the test, so a new route has to say what it names.
 *
 * A route's declared access decides who is refused: anonymous callers are sent to sign in,
 * signed-in callers with the wrong role are told the page does not exist. Past the role, the
 * object decides: the organiser of the other organisation, another judge, another account are
 * told it does not exist either (404, for reading and writing alike); the owners find it (a GET
 * is never 401, 403 or 404 for them). Nobody ever gets a 5xx, with an empty form or not; a
 * refused POST changes nothing in the database; no GET changes anything.
 *
 * The requests run in three passes, so that what one caller's POST changes cannot hide what
 * another's would do: every GET first (on the demo data as seeded), then every POST that must be
 * refused (each checked against a fingerprint of the database), then the POSTs that get
 * through (their empty forms may change the objects; only the absence of errors is checked).
 */

const OWNER = 'organiser@hkipd.test';
const INTRUDER = 'organiser@customs.test';

const personas = {
  anonymous: null,
  'judge A': 'judge1@ipcoop.test',
  'judge B': 'judge2@ipcoop.test',
  'organiser of another organisation': INTRUDER,
  organiser: OWNER,
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

/**
 * Whose the objects a route names are, which decides who may reach them past the role check:
 * - organisation: the owner's organisation's (not the intruder's): the owner and admins; the
 *   intruder is told they do not exist.
 * - judge: judge A's assignment: judge A only; any other judge, and an admin, are told it does not exist.
 * - account: the owner's own session: the owner only; every other account is told it does not exist.
 * - admin: objects only admins reach (the role check decides).
 * - publisher: a period, which holds every organisation's items: publishing its summary is for
 *   admins and the organisers of its named publisher (the owner's organisation in the demo); an
 *   organiser of another organisation party to the year sees it but is refused (403).
 * - public: on the public site: every caller finds them.
 * - secret: private links: tokens are secrets, so the test cannot have one; a random token
 *   names nothing, and every caller is told so (or shown a friendly page), never a 5xx.
 */
type Whose = 'organisation' | 'judge' | 'account' | 'admin' | 'publisher' | 'public' | 'secret';
type Binding = Record<string, string | number>;
type Rule = { prefix: string; whose: Whose; bind: (o: OwnedObjects) => Binding | Binding[] };

/** A token of the right shape that names nothing (a new one each run). */
const TOKEN = randomBytes(32).toString('base64url');
const token = () => ({ token: TOKEN });

/**
 * What each route parameter names, by the route's address: the rule with the longest prefix
 * that the address starts with (whole segments) binds its parameters. A rule returning several
 * bindings tries the route once with each.
 */
const RULES: Rule[] = [
  // The organisers' pages.
  { prefix: '/manage/events/:slug', whose: 'organisation', bind: (o) => ({ slug: o.event.slug, id: o.registration.id }) },
  { prefix: '/manage/programmes/:id', whose: 'organisation', bind: (o) => ({ id: o.programme.id }) },
  { prefix: '/manage/delegations/:id', whose: 'organisation', bind: (o) => ({ id: o.delegation.id, memberId: o.member.id }) },
  {
    prefix: '/manage/contests/:slug', whose: 'organisation',
    bind: (o) => ({
      slug: o.contest.slug, position: o.round.position, entryId: o.entry.id, attachmentId: o.attachment.id,
      assignmentId: o.submittedAssignment.id,
    }),
  },
  { prefix: '/manage/contests/:slug/certificates', whose: 'organisation', bind: (o) => ({ slug: o.pastContest.slug, grantId: o.grant.id }) },
  { prefix: '/manage/items/:id', whose: 'organisation', bind: (o) => ({ id: o.item.id }) },
  // Email templates: one kind that each owner has.
  { prefix: '/manage/events/:slug/emails/templates', whose: 'organisation', bind: (o) => ({ slug: o.event.slug, kind: 'confirmation' }) },
  { prefix: '/manage/programmes/:id/emails/templates', whose: 'organisation', bind: (o) => ({ id: o.programme.id, kind: 'confirmation' }) },
  {
    prefix: '/manage/contests/:slug/emails/templates', whose: 'organisation',
    bind: (o) => ({ slug: o.contest.slug, kind: 'entryReceived' }),
  },
  { prefix: '/manage/outbox/:id', whose: 'organisation', bind: (o) => ({ id: o.message.id }) },
  { prefix: '/manage/scheduled/:id', whose: 'organisation', bind: (o) => ({ id: o.job.id }) },
  { prefix: '/manage/webhooks/:id', whose: 'organisation', bind: (o) => ({ id: o.webhook.id, deliveryId: o.webhookDelivery.id }) },
  {
    prefix: '/manage/translations/:kind/:ref', whose: 'organisation',
    bind: (o) => [
      { kind: 'item', ref: o.item.id }, { kind: 'event', ref: o.event.slug }, { kind: 'programme', ref: o.programme.id },
      { kind: 'contest', ref: o.contest.slug }, { kind: 'criterion', ref: o.criterion.id }, { kind: 'tier', ref: o.tier.id },
    ],
  },
  {
    prefix: '/manage/figures/:metric/:ref', whose: 'organisation',
    bind: (o) => [
      ...['attendance', 'registrations'].map((metric) => ({ metric, ref: o.event.slug })),
      ...['delegations', 'members', 'visits', 'hosts'].map((metric) => ({ metric, ref: o.programme.slug })),
      ...['entries', 'awards'].map((metric) => ({ metric, ref: o.contest.slug })),
    ],
  },
  { prefix: '/manage/periods/:slug/publish', whose: 'publisher', bind: (o) => ({ slug: o.period.slug }) },
  { prefix: '/manage/periods/:slug/publisher', whose: 'admin', bind: (o) => ({ slug: o.period.slug }) },
  { prefix: '/manage/periods/:slug/retention', whose: 'admin', bind: (o) => ({ slug: o.period.slug }) },
  // A year's own page, archiving it and taking it out of the archive (one right after the other here).
  { prefix: '/manage/periods/:slug', whose: 'admin', bind: (o) => ({ slug: o.period.slug }) },
  { prefix: '/manage/users/:id', whose: 'admin', bind: (o) => ({ id: o.owner.id }) },
  // The judges' pages and the account's.
  { prefix: '/judging/assignments/:id', whose: 'judge', bind: (o) => ({ id: o.judgeAssignment.id, attachmentId: o.attachment.id }) },
  { prefix: '/account/sessions/:id', whose: 'account', bind: (o) => ({ id: o.session.id }) },
  // API tokens: the demo data has none, so an id that names none (revoking it is a 404 for everyone).
  { prefix: '/account/tokens/:id', whose: 'account', bind: () => ({ id: 2_147_483_647 }) },
  { prefix: '/manage/tokens/:id', whose: 'admin', bind: () => ({ id: 2_147_483_647 }) },
  // The JSON API takes bearer tokens only: whatever the objects, a session is refused (test/modules/api covers tokens).
  { prefix: '/api/v1', whose: 'organisation', bind: (o) => ({ slug: o.event.slug, id: o.registration.id }) },
  { prefix: '/api/v1/contests/:slug', whose: 'organisation', bind: (o) => ({ slug: o.contest.slug, position: o.round.position }) },
  { prefix: '/account/passkeys/:id', whose: 'account', bind: (o) => ({ id: o.passkey.id }) },
  { prefix: '/account/sso/identities/:id', whose: 'account', bind: (o) => ({ id: o.identity.id }) },
  // Single sign-on providers: none is configured here, so every caller is told there is no such provider.
  { prefix: '/account/sso/:provider', whose: 'account', bind: () => ({ provider: 'unconfigured' }) },
  { prefix: '/login/oidc/:provider', whose: 'secret', bind: () => ({ provider: 'unconfigured' }) },
  // The public site.
  { prefix: '/periods/:slug', whose: 'public', bind: (o) => ({ slug: o.period.slug, number: o.item.number }) },
  { prefix: '/events/:slug', whose: 'public', bind: (o) => ({ slug: o.event.slug }) },
  { prefix: '/events/:slug.ics', whose: 'public', bind: (o) => ({ slug: o.event.slug }) },
  { prefix: '/programmes/:slug', whose: 'public', bind: (o) => ({ slug: o.publicProgramme.slug }) },
  { prefix: '/contests/:slug', whose: 'public', bind: (o) => ({ slug: o.openContest.slug }) },
  { prefix: '/contests/:slug/results', whose: 'public', bind: (o) => ({ slug: o.pastContest.slug }) },
  // Private links (with real objects beside the token where the route names one).
  { prefix: '/registrations/:token', whose: 'secret', bind: token },
  { prefix: '/surveys/:token', whose: 'secret', bind: token },
  { prefix: '/delegations/:token', whose: 'secret', bind: token },
  { prefix: '/delegation-invitations/:token', whose: 'secret', bind: token },
  { prefix: '/entries/:token', whose: 'secret', bind: (o) => ({ token: TOKEN, attachmentId: o.attachment.id }) },
  { prefix: '/password/reset/:token', whose: 'secret', bind: token },
  { prefix: '/invitations/:token', whose: 'secret', bind: token },
  { prefix: '/unsubscribe/:token', whose: 'secret', bind: token },
  { prefix: '/event-invitations/:token', whose: 'secret', bind: token },
  // A certificate's code is as unguessable as a token: a random one names nothing.
  { prefix: '/certificates/:code', whose: 'secret', bind: () => ({ code: TOKEN.slice(0, 22) }) },
];

const paramsOf = (url: string) => [...url.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1] ?? '');

/** Whether a route's address starts with the rule's prefix, by whole segments. */
const matches = (url: string, rule: Rule) => url === rule.prefix || url.startsWith(`${rule.prefix}/`);

/** The rule for a route: the longest prefix it starts with. */
function ruleFor(url: string): Rule | undefined {
  return RULES.filter((r) => matches(url, r)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
}

/** How the caller must be answered. */
type Expected =
  | 'public' // a public page: never sent to sign in
  | 'found' // past every check, the object exists for them: a GET is never 401/403/404
  | 'through' // past the role check on a route that names no object: a GET is never 401/403/404
  | 'sign in' // anonymous on a guarded route
  | 'wrong role' // 404
  | 'not theirs' // 404: the object is another organisation's, judge's, account's
  | 'forbidden' // 403: the caller sees the object but may not do this to it
  | 'secret' // a random token: 404 or a friendly page
  | 'bearer'; // the JSON API: no session counts, 401 as a problem

function expectation(access: string, whose: Whose | undefined, persona: Persona): Expected {
  if (access === 'token') return 'bearer';
  if (access === 'public') {
    if (whose === 'secret') return 'secret';
    return whose === 'public' ? 'found' : 'public';
  }
  const role = roleOf[persona];
  if (role === null) return 'sign in';
  if (!allowed[access]?.(role)) return 'wrong role';
  switch (whose) {
    case 'organisation': return persona === 'organiser of another organisation' ? 'not theirs' : 'found';
    case 'judge': return persona === 'judge A' ? 'found' : 'not theirs';
    case 'account': return persona === 'organiser' ? 'found' : 'not theirs';
    case 'publisher': return persona === 'organiser of another organisation' ? 'forbidden' : 'found';
    case 'admin': case 'public': return 'found';
    default: return 'through';
  }
}
const refused = (e: Expected) => e === 'sign in' || e === 'wrong role' || e === 'not theirs' || e === 'forbidden';

type Request = { method: string; route: string; url: string; persona: Persona; expected: Expected };

// One app for both tests (building one is the slow part), with a data directory for the attachment.
const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-matrix-'));
t.teardown(() => rm(dataDir, { recursive: true, force: true }));
const { app, db } = await build(t, { env: { DATA_DIR: dataDir } });

// First, while the app has not started: routes can be added only until then.
t.test('a route that declares no access stops the app from starting', async (t) => {
  t.throws(() => app.get('/unguarded', async () => 'x'), /declares no access/);
});

t.test('every route answers each kind of caller as its declared access and the objects it names say', async (t) => {
  const started = Date.now();
  const owned = await ownedObjects(db, { owner: OWNER, intruder: INTRUDER, judge: personas['judge A'], dataDir });
  const users = await db.selectFrom('users').select(['id', 'email']).execute();
  const csrfSource = new Agent(app);
  await csrfSource.get('/login');
  const csrfCookie = [...csrfSource.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const SESSIONS = 'route-matrix';

  const send = async (method: string, url: string, persona: Persona) => {
    let cookie = csrfCookie;
    const email = personas[persona];
    if (email) {
      // A fresh session per request: routes such as /logout end the one they are given.
      const user = users.find((u) => u.email === email);
      if (!user) throw new Error(`no demo user ${email}`);
      cookie += `; ipcoop_session=${await startSession(db, user.id, '127.0.0.1', SESSIONS)}`;
    }
    return app.inject({
      method: method as 'GET' | 'POST',
      url,
      headers: { cookie, ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(method === 'POST' ? { payload: `_csrf=${encodeURIComponent(csrfSource.csrf)}` } : {}),
    });
  };

  // The summary has a published edition, so that its pages have something to show.
  const published = await send('POST', `/manage/periods/${owned.period.slug}/publish`, 'admin');
  t.equal(published.statusCode, 303, 'the period is published for its public pages');

  const routes = app.routeAccess.filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/static/'));
  t.ok(routes.length >= 20, `${routes.length} routes under test`);

  // A rule that matches no route is a mistake in the table (or a route gone).
  for (const rule of RULES) t.ok(routes.some((r) => matches(r.url, rule)), `rule ${rule.prefix} names a route`);

  // Every route with parameters names real objects: the table must cover each parameter.
  const requests: Request[] = [];
  let withParameters = 0;
  for (const route of routes) {
    const names = paramsOf(route.url);
    const rule = names.length > 0 ? ruleFor(route.url) : undefined;
    let urls = [route.url];
    if (names.length > 0) {
      withParameters++;
      if (!rule) {
        t.fail(`${route.method} ${route.url}: no rule in RULES says what its parameters name`);
        continue;
      }
      const bindings = [rule.bind(owned)].flat();
      const missing = names.filter((name) => bindings.some((b) => b[name] === undefined));
      if (missing.length > 0) {
        t.fail(`${route.method} ${route.url}: rule ${rule.prefix} binds no :${missing.join(', :')}`);
        continue;
      }
      urls = bindings.map((b) => route.url.replace(/:([A-Za-z_]+)/g, (_m, name: string) => encodeURIComponent(String(b[name]))));
    }
    for (const url of urls) {
      for (const persona of Object.keys(personas) as Persona[]) {
        requests.push({ method: route.method, route: route.url, url, persona, expected: expectation(route.access, rule?.whose, persona) });
      }
    }
  }

  const check = (r: Request, res: LightMyRequestResponse) => {
    const status = res.statusCode;
    const location = String(res.headers.location ?? '');
    const type = String(res.headers['content-type'] ?? '');
    const label = `${r.method} ${r.url} as ${r.persona}`;
    t.ok(status < 500, `${label}: no server error (${status})`);
    switch (r.expected) {
      case 'public':
        t.not(status, 401, label);
        t.notOk(status === 303 && location.startsWith('/login'), `${label}: not sent to sign in`);
        break;
      case 'secret':
        // Files and data are never sent for a token that names nothing; a page may say so kindly.
        if (/\.(json|ics|png|pdf)$|\/attachments\//.test(r.route)) t.equal(status, 404, `${label}: nothing to send`);
        else t.ok(status === 404 || (status < 500 && /^text\/html/.test(type)), `${label}: not found, or a page saying so (${status})`);
        t.notOk(status === 303 && location.startsWith('/login'), `${label}: not sent to sign in`);
        break;
      case 'sign in':
        if (r.method === 'GET') {
          t.equal(status, 303, label);
          t.match(location, /^\/login\?next=/, label);
        } else {
          t.equal(status, 401, label);
        }
        break;
      case 'bearer':
        t.equal(status, 401, `${label}: a session is no token`);
        t.match(type, /^application\/problem\+json/, `${label}: a problem`);
        break;
      case 'wrong role':
        t.equal(status, 404, `${label}: outside its role, the page does not exist`);
        break;
      case 'not theirs':
        t.equal(status, 404, `${label}: not theirs, the object does not exist`);
        break;
      case 'forbidden':
        t.equal(status, 403, `${label}: seen, but not theirs to change`);
        break;
      case 'found':
        t.ok(status !== 401 && status !== 403 && (r.method !== 'GET' || status !== 404), `${label}: reaches the object (${status})`);
        break;
      case 'through':
        t.ok(status !== 401 && status !== 403 && (r.method !== 'GET' || status !== 404), `${label}: not refused (${status})`);
        break;
    }
  };

  // The fingerprint sees a write, even one that changes no value.
  const beforeGets = await fingerprint(db, SESSIONS);
  await db.updateTable('items').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', owned.item.id).execute();
  const afterWrite = await fingerprint(db, SESSIONS);
  t.ok(changedTables(beforeGets, afterWrite).includes('items'), 'the fingerprint sees a write');

  // 1. Every GET, on the demo data as seeded: none changes anything.
  const gets = requests.filter((r) => r.method === 'GET');
  for (const r of gets) {
    const res = await send(r.method, r.url, r.persona);
    check(r, res);
  }
  t.same(changedTables(afterWrite, await fingerprint(db, SESSIONS)), [], 'no GET changes the database');

  // 2. Every POST that must be refused: it changes nothing.
  const refusals = requests.filter((r) => r.method !== 'GET' && refused(r.expected));
  let state = await fingerprint(db, SESSIONS);
  for (const r of refusals) {
    const res = await send(r.method, r.url, r.persona);
    check(r, res);
    const after = await fingerprint(db, SESSIONS);
    const changed = changedTables(state, after);
    if (changed.length > 0) t.fail(`${r.method} ${r.url} as ${r.persona} (${res.statusCode}) changed ${changed.join(', ')}`);
    state = after;
  }

  // 3. The POSTs that get through, on whatever the earlier ones left.
  const rest = requests.filter((r) => r.method !== 'GET' && !refused(r.expected));
  for (const r of rest) {
    const res = await send(r.method, r.url, r.persona);
    check(r, res);
  }

  const count = (e: Expected) => requests.filter((r) => r.expected === e).length;
  t.comment(`${requests.length} requests over ${routes.length} routes (${withParameters} with parameters, `
    + `${new Set(requests.map((r) => r.url)).size} addresses) and ${Object.keys(personas).length} kinds of caller: `
    + `${count('found')} reach a real object, ${count('not theirs')} are told another's object does not exist, `
    + `${count('wrong role')} have the wrong role, ${count('sign in')} are sent to sign in, ${count('secret')} carry a random token; `
    + `${refusals.length} refused POSTs checked to change nothing; ${Date.now() - started} ms`);
});
