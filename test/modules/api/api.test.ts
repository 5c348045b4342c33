import { Validator } from '@seriousme/openapi-schema-validator';
import type { LightMyRequestResponse } from 'fastify';
import t from 'tap';
import type { ApiScope } from '../../../src/db/types.ts';
import { createApiToken } from '../../../src/modules/api/tokens.ts';
import { startSession } from '../../../src/modules/auth/service.ts';
import { Agent } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';
import { responseChecker } from '../../helpers/openapi.ts';

/*
 * The JSON API through its front door: tokens and their scopes, the organisation's scope, pages,
 * ETags, problems for every kind of bad input (each writing nothing), and idempotent POSTs under
 * concurrent retries. Every answer is held to the OpenAPI document.
 */

const { app, db } = await build(t);
const { document, check } = await responseChecker(app);
const mismatches: string[] = [];

const userId = async (email: string) => (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
const token = async (email: string, scopes: ApiScope[], days = 30) =>
  (await createApiToken(db, null, await userId(email), { name: `test ${email}`, scopes, days })).token;

const ALL: ApiScope[] = ['read', 'registrations', 'checkin', 'figures'];
const owner = await token('organiser@hkipd.test', ALL);
const intruder = await token('organiser@customs.test', ALL);
const reader = await token('organiser@hkipd.test', ['read']);
const admin = await token('admin@ipcoop.test', ['read']);

type Problem = { type: string; status: number; errors: { in: string; pointer: string }[] };
type Registration = { id: number; status: string };
type Call = { token?: string | null; body?: unknown; payload?: string; headers?: Record<string, string> };
async function api(method: 'GET' | 'POST', url: string, call: Call = {}): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...call.headers };
  const bearer = call.token === undefined ? owner : call.token;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (call.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await app.inject({
    method, url, headers, ...(call.body !== undefined ? { payload: JSON.stringify(call.body) } : {}),
    ...(call.payload !== undefined ? { payload: call.payload } : {}),
  });
  mismatches.push(...check(method, url, res));
  return res;
}

// An event of HKIPD's open for registration, with two places and a waiting list, and a question.
const hkipdItem = await db.selectFrom('item_parties as ip').innerJoin('organisations as o', 'o.id', 'ip.organisation_id')
  .where('o.code', '=', 'HKIPD').select('ip.item_id').orderBy('ip.item_id').executeTakeFirstOrThrow();
const soon = new Date(Date.now() + 30 * 86_400_000);
const event = await db.insertInto('events').values({
  item_id: hkipdItem.item_id, slug: 'api-forum', kind: 'forum', title: 'API forum', starts_at: soon,
  ends_at: new Date(soon.getTime() + 3_600_000), capacity: 2, status: 'published', waitlist_enabled: true,
}).returning(['id', 'slug', 'item_id']).executeTakeFirstOrThrow();
const question = await db.insertInto('event_questions').values({
  event_id: event.id, position: 0, label: 'Dietary needs', kind: 'choice', required: true, options: JSON.stringify(['none', 'vegetarian']),
}).returning('id').executeTakeFirstOrThrow();
const person = (n: number, extra: Record<string, unknown> = {}) => ({
  name: `Person ${n}`, email: `api-${n}@participant.test`, side: 'HK', consent: true, answers: { [question.id]: 'none' }, ...extra,
});
const registrations = async () => Number((await db.selectFrom('registrations').where('event_id', '=', event.id)
  .select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

t.test('the OpenAPI document is valid OpenAPI 3.1 and describes every API route', async (t) => {
  t.equal(document.openapi, '3.1.0');
  const result = await new Validator().validate(document);
  t.same(result.errors ?? [], [], 'valid against the OpenAPI 3.1 schema');
  t.ok(result.valid);
  const routes = app.routeAccess.filter((r) => r.access === 'token' && r.method !== 'HEAD');
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    t.ok(document.paths[path]?.[r.method.toLowerCase()], `${r.method} ${r.url} is documented`);
  }
  t.ok(routes.length >= 15, `${routes.length} API routes`);
});

t.test('the reference page is the app\'s own, with no script from elsewhere', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/api/docs' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/html/);
  t.match(String(res.headers['content-security-policy']), /script-src 'self'/);
  t.match(res.body, /GET \/api\/v1\/events\/\{slug\}\/registrations/);
  t.notMatch(res.body, /<script[^>]+src="https?:/);
});

t.test('without a good token: 401 problems, whatever else is sent', async (t) => {
  const expired = await token('organiser@hkipd.test', ALL, 1);
  await db.updateTable('api_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('name', '=', 'test organiser@hkipd.test')
    .where('expires_at', '<', new Date(Date.now() + 2 * 86_400_000)).execute();
  const session = await startSession(db, await userId('organiser@hkipd.test'), '127.0.0.1', 'test');
  const cases: [string, Call][] = [
    ['no token', { token: null }],
    ['a forged token', { token: `ipcoop_${'A'.repeat(43)}` }],
    ['a token of the wrong shape', { token: 'not-a-token' }],
    ['an expired token', { token: expired }],
    ['a session cookie instead', { token: null, headers: { cookie: `ipcoop_session=${session}` } }],
  ];
  const before = await registrations();
  for (const [label, call] of cases) {
    const res = await api('GET', '/api/v1/events', call);
    t.equal(res.statusCode, 401, label);
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${label}: a problem`);
    t.match(res.headers['www-authenticate'], /^Bearer realm="ipcoop"/, label);
    t.equal(res.json<Problem>().status, 401);
    const post = await api('POST', `/api/v1/events/${event.slug}/registrations`, { ...call, body: person(90) });
    t.equal(post.statusCode, 401, `${label}: cannot write`);
  }
  t.equal(await registrations(), before, 'nothing written');
});

t.test('reads: years with figures, items, events with counts, pages by cursor', async (t) => {
  const years = await api('GET', '/api/v1/years');
  t.equal(years.statusCode, 200);
  const year = years.json<{ data: { slug: string; figures: { items: number } }[] }>().data[0];
  t.ok(year && year.figures.items > 0, 'the organiser\'s items are counted');
  t.equal((await api('GET', `/api/v1/years/${year?.slug ?? ''}`)).statusCode, 200);

  const seen: number[] = [];
  let cursor: string | null = null;
  do {
    const res: LightMyRequestResponse = await api('GET', `/api/v1/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    t.equal(res.statusCode, 200);
    const body = res.json<{ data: { id: number }[]; next_cursor: string | null }>();
    seen.push(...body.data.map((e) => e.id));
    cursor = body.next_cursor;
  } while (cursor);
  const inScope = await db.selectFrom('events').innerJoin('item_parties as ip', 'ip.item_id', 'events.item_id')
    .innerJoin('organisations as o', 'o.id', 'ip.organisation_id').where('o.code', '=', 'HKIPD').select('events.id').distinct().execute();
  t.same(seen, inScope.map((e) => e.id).sort((a, b) => a - b), 'every event in scope once, in order');
  t.equal((await api('GET', '/api/v1/events?cursor=%%%')).statusCode, 400, 'a cursor not of ours is a 400');
  t.equal((await api('GET', '/api/v1/events?limit=501')).statusCode, 400, 'over the page limit');

  const one = await api('GET', `/api/v1/events/${event.slug}`);
  t.equal(one.statusCode, 200);
  t.same(one.json<{ counts: unknown }>().counts, { confirmed: 0, waitlisted: 0, attended: 0 });
  t.equal(one.json<{ questions: { id: number }[] }>().questions[0]?.id, question.id);
  t.equal((await api('GET', '/api/v1/items')).statusCode, 200);
  t.equal((await api('GET', `/api/v1/items/${event.item_id}/figures`)).statusCode, 200);
  t.equal((await api('GET', '/api/v1/programmes')).statusCode, 200);
  t.equal((await api('GET', '/api/v1/delegations')).statusCode, 200);
  t.equal((await api('GET', '/api/v1/contests')).statusCode, 200);
});

t.test('ETag and If-None-Match: 304 while nothing changed', async (t) => {
  const first = await api('GET', `/api/v1/events/${event.slug}`);
  const etag = String(first.headers.etag);
  t.match(etag, /^"[A-Za-z0-9_-]+"$/);
  t.match(first.headers['cache-control'], /private, no-cache/);
  const again = await api('GET', `/api/v1/events/${event.slug}`, { headers: { 'if-none-match': etag } });
  t.equal(again.statusCode, 304);
  t.equal(again.body, '');
  await db.updateTable('events').set({ venue: 'Hall B' }).where('id', '=', event.id).execute();
  const changed = await api('GET', `/api/v1/events/${event.slug}`, { headers: { 'if-none-match': etag } });
  t.equal(changed.statusCode, 200, 'a change gives the new answer');
  t.not(changed.headers.etag, etag);
});

t.test('a token of one organisation sees nothing of another\'s', async (t) => {
  const events = await api('GET', '/api/v1/events?limit=500', { token: intruder });
  t.notOk(events.json<{ data: { id: number }[] }>().data.some((e) => e.id === event.id), 'not in the list');
  for (const url of [`/api/v1/events/${event.slug}`, `/api/v1/events/${event.slug}/registrations`, `/api/v1/items/${event.item_id}/figures`]) {
    const res = await api('GET', url, { token: intruder });
    t.equal(res.statusCode, 404, url);
    t.match(res.headers['content-type'], /^application\/problem\+json/);
  }
  const before = await registrations();
  const post = await api('POST', `/api/v1/events/${event.slug}/registrations`, { token: intruder, body: person(91) });
  t.equal(post.statusCode, 404, 'cannot register for it');
  const figure = await api('POST', `/api/v1/items/${event.item_id}/figures`, { token: intruder, body: { key: 'x', label: 'X', value: 1 } });
  t.equal(figure.statusCode, 404, 'cannot record a figure on it');
  t.equal(await registrations(), before, 'nothing written');
  t.notOk(await db.selectFrom('figures').where('key', '=', 'x').select('id').executeTakeFirst());
  t.equal((await api('GET', `/api/v1/events/${event.slug}`, { token: admin })).statusCode, 200, 'an admin\'s token sees it');
});

t.test('a read token cannot write', async (t) => {
  const before = await registrations();
  const res = await api('POST', `/api/v1/events/${event.slug}/registrations`, { token: reader, body: person(92) });
  t.equal(res.statusCode, 403);
  t.equal(res.json<Problem>().type, 'urn:ipcoop:problem:insufficient-scope');
  t.match(res.headers['www-authenticate'], /insufficient_scope/);
  t.equal((await api('POST', `/api/v1/items/${event.item_id}/figures`, { token: reader, body: { key: 'y', label: 'Y', value: 1 } })).statusCode, 403);
  t.equal(await registrations(), before, 'nothing written');
});

t.test('bad input: a problem with the right status and where, and nothing written', async (t) => {
  const url = `/api/v1/events/${event.slug}/registrations`;
  const before = await registrations();
  const mailBefore = await db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();

  const malformed = await api('POST', url, { payload: '{"name": "x",', headers: { 'content-type': 'application/json' } });
  t.equal(malformed.statusCode, 400, 'malformed JSON');
  t.equal(malformed.json<Problem>().type, 'urn:ipcoop:problem:malformed-json');

  const wrongTypes = await api('POST', url, { body: { ...person(93), side: 42, consent: 'yes' } });
  t.equal(wrongTypes.statusCode, 400, 'wrong types');
  const pointers = wrongTypes.json<{ errors: { in: string; pointer: string }[] }>().errors.map((e) => `${e.in}${e.pointer}`);
  t.ok(pointers.includes('body/side') && pointers.includes('body/consent'), `each field named (${pointers.join(', ')})`);

  const unknown = await api('POST', url, { body: { ...person(94), is_admin: true } });
  t.equal(unknown.statusCode, 400, 'an unknown field');
  t.match(JSON.stringify(unknown.json<Problem>().errors), /is_admin/);

  const huge = await api('POST', url, { body: { ...person(95), name: 'x'.repeat(100_000) } });
  t.equal(huge.statusCode, 413, 'a huge body');
  t.match(huge.headers['content-type'], /^application\/problem\+json/);

  const form = await api('POST', url, { payload: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.equal(form.statusCode, 415, 'a form post');

  const empty = await api('POST', url, { payload: '', headers: { 'content-type': 'application/json' } });
  t.equal(empty.statusCode, 400, 'an empty body');

  const badAnswer = await api('POST', url, { body: person(96, { answers: { [question.id]: 'steak' } }) });
  t.equal(badAnswer.statusCode, 422, 'an answer the event\'s question does not take');
  t.equal(badAnswer.json<Problem>().errors[0]?.pointer, `/answers/${question.id}`);
  const badEmail = await api('POST', url, { body: person(97, { email: 'not-an-address' }) });
  t.equal(badEmail.statusCode, 422, 'an email address that is not one');
  t.equal(badEmail.json<Problem>().errors[0]?.pointer, '/email');

  // No documented operation to hold it to: only its shape is checked.
  const unknownRoute = await app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: { authorization: `Bearer ${owner}` } });
  t.equal(unknownRoute.statusCode, 404);
  t.match(unknownRoute.headers['content-type'], /^application\/problem\+json/);

  t.equal(await registrations(), before, 'no registration written');
  const mailAfter = await db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  t.equal(Number(mailAfter.n), Number(mailBefore.n), 'no mail queued');
});

t.test('register, with an Idempotency-Key: one write however often it is sent', async (t) => {
  const url = `/api/v1/events/${event.slug}/registrations`;
  const key = { 'idempotency-key': 'order-1' };
  const first = await api('POST', url, { body: person(1), headers: key });
  t.equal(first.statusCode, 201);
  t.equal(first.json<Registration>().status, 'confirmed');
  t.equal(first.headers.location, `/api/v1/registrations/${first.json<Registration>().id}`);
  const mail = await db.selectFrom('mail_outbox').select('subject').where('to_address', '=', 'api-1@participant.test').execute();
  t.equal(mail.length, 1, 'the participant is sent their confirmation');

  const replay = await api('POST', url, { body: person(1), headers: key });
  t.equal(replay.statusCode, 201, 'the same answer');
  t.equal(replay.body, first.body);
  t.equal(replay.headers['idempotent-replayed'], 'true');
  t.equal(replay.headers.location, first.headers.location);
  const mailAfter = await db.selectFrom('mail_outbox').select('id').where('to_address', '=', 'api-1@participant.test').execute();
  t.equal(mailAfter.length, 1, 'the replay runs nothing again: no second mail');

  const before = await registrations();
  const reused = await api('POST', url, { body: person(2), headers: key });
  t.equal(reused.statusCode, 422, 'the same key with a different body');
  t.equal(reused.json<Problem>().type, 'urn:ipcoop:problem:idempotency-key-reused');
  t.equal(await registrations(), before, 'nothing written');

  // Five retries at once with one key: one registration, one mail, the same answer to all.
  const retries = await Promise.all(Array.from({ length: 5 }, () => api('POST', url, { body: person(3), headers: { 'idempotency-key': 'order-3' } })));
  t.same(retries.map((r) => r.statusCode), [201, 201, 201, 201, 201]);
  t.equal(new Set(retries.map((r) => r.body)).size, 1, 'one answer');
  const rows = await db.selectFrom('registrations').where('email', '=', 'api-3@participant.test').select('id').execute();
  t.equal(rows.length, 1, 'one registration');
  t.equal((await db.selectFrom('mail_outbox').where('to_address', '=', 'api-3@participant.test').select('id').execute()).length, 1, 'one mail');

  const full = await api('POST', url, { body: person(4) });
  t.equal(full.statusCode, 201);
  t.equal(full.json<Registration>().status, 'waitlisted', 'capacity holds: the third goes on the waiting list');
  const repeat = await api('POST', url, { body: person(1) });
  t.equal(repeat.statusCode, 409, 'an address already registered');
  const bad = await api('POST', url, { body: person(5), headers: { 'idempotency-key': 'x'.repeat(300) } });
  t.equal(bad.statusCode, 400, 'a key too long');
});

t.test('registrations: list since a time, cancel (the waiting list moves up), check in', async (t) => {
  const list = await api('GET', `/api/v1/events/${event.slug}/registrations`);
  const people = list.json<{ data: { id: number; email: string; status: string }[] }>().data;
  t.same(people.map((p) => p.status), ['confirmed', 'confirmed', 'waitlisted']);
  const [first, second, waiting] = people;
  if (!first || !second || !waiting) throw new Error('three registrations expected');

  const mark = new Date();
  const checkin = await api('POST', `/api/v1/events/${event.slug}/checkins`, { body: { registration_id: second.id } });
  t.equal(checkin.statusCode, 200);
  t.equal(checkin.json<{ checked_in: boolean }>().checked_in, true);
  const cancel = await api('POST', `/api/v1/registrations/${first.id}/cancel`);
  t.equal(cancel.statusCode, 200);
  t.equal(cancel.json<Registration>().status, 'cancelled');
  const promoted = await api('GET', `/api/v1/registrations/${waiting.id}`);
  t.equal(promoted.json<Registration>().status, 'confirmed', 'the first on the waiting list gets the place');

  const since = await api('GET', `/api/v1/events/${event.slug}/registrations?updated_since=${encodeURIComponent(mark.toISOString())}`);
  t.same(since.json<{ data: { id: number }[] }>().data.map((r) => r.id).sort(), [first.id, second.id, waiting.id].sort(),
    'what changed since the mark');
  const future = await api('GET', `/api/v1/events/${event.slug}/registrations?updated_since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
  t.same(future.json<{ data: unknown[] }>().data, []);

  const checkedInCancel = await api('POST', `/api/v1/registrations/${second.id}/cancel`);
  t.equal(checkedInCancel.statusCode, 409, 'a person checked in cannot be cancelled');
  const noTicket = await api('POST', `/api/v1/events/${event.slug}/checkins`, { body: { ticket: 'nonsense' } });
  t.equal(noTicket.statusCode, 409);
  const neither = await api('POST', `/api/v1/events/${event.slug}/checkins`, { body: {} });
  t.equal(neither.statusCode, 400);
  t.equal((await api('POST', `/api/v1/registrations/${first.id}/cancel`, { token: intruder })).statusCode, 404, 'another organisation\'s');
  const readOnly = await api('POST', `/api/v1/events/${event.slug}/checkins`, { token: reader, body: { registration_id: waiting.id } });
  t.equal(readOnly.statusCode, 403, 'a read token cannot check in');
  const row = await db.selectFrom('registrations').select('checked_in_at').where('id', '=', waiting.id).executeTakeFirstOrThrow();
  t.equal(row.checked_in_at, null, 'nothing written');
});

t.test('figures: recorded through the same service as the item page', async (t) => {
  const res = await api('POST', `/api/v1/items/${event.item_id}/figures`, { body: { key: 'api-cases', label: 'Cases', value: 12 } });
  t.equal(res.statusCode, 200);
  const figure = res.json<{ key: string; value: number; unit: string }>();
  t.same({ key: figure.key, value: figure.value, unit: figure.unit }, { key: 'api-cases', value: 12, unit: 'count' });
  const audit = await db.selectFrom('audit_log').where('entity', '=', 'figure').where('entity_id', '=', 'api-cases').select('action').execute();
  t.same(audit.map((a) => a.action), ['record'], 'in the item\'s history');
  const listed = await api('GET', `/api/v1/items/${event.item_id}/figures`);
  t.ok(listed.json<{ data: { key: string }[] }>().data.some((f) => f.key === 'api-cases'));
});

t.test('contests: entries, a round\'s ranking, results; a judge\'s own assignments', async (t) => {
  const contests = await api('GET', '/api/v1/contests?limit=500', { token: admin });
  const slug = contests.json<{ data: { slug: string }[] }>().data[0]?.slug ?? '';
  t.equal((await api('GET', `/api/v1/contests/${slug}/entries`, { token: admin })).statusCode, 200);
  const ranking = await api('GET', `/api/v1/contests/${slug}/rounds/1/ranking`, { token: admin });
  t.ok(ranking.statusCode === 200 || ranking.statusCode === 404, `ranking answered (${ranking.statusCode})`);
  t.equal((await api('GET', `/api/v1/contests/${slug}/results`, { token: admin })).statusCode, 200);
  const judge = await token('judge1@ipcoop.test', ['read']);
  const own = await api('GET', '/api/v1/judging/assignments', { token: judge });
  t.equal(own.statusCode, 200);
  const blind = own.json<{ data: { applicant_name: string | null }[] }>().data;
  const blindCount = await db.selectFrom('assignments as a').innerJoin('users as u', 'u.id', 'a.judge_id')
    .innerJoin('contest_rounds as r', 'r.id', 'a.round_id').innerJoin('contests as c', 'c.id', 'r.contest_id')
    .where('u.email', '=', 'judge1@ipcoop.test').where('c.blind', '=', true).select('a.id').execute();
  t.equal(blind.filter((a) => a.applicant_name === null).length, blindCount.length, 'no entrant named in a blind contest');
  t.equal((await api('GET', '/api/v1/events', { token: judge })).json<{ data: unknown[] }>().data.length, 0, 'a judge reaches no organiser\'s events');
});

t.test('delegations and entries still awaiting email confirmation count in no figure', async (t) => {
  const programmes = async () =>
    (await api('GET', '/api/v1/programmes?limit=500', { token: admin })).json<{ data: { id: number; delegations: number }[] }>();
  const delegation = await db.selectFrom('delegations').select(['id', 'programme_id']).where('status', '<>', 'withdrawn')
    .where('confirm_by', 'is', null).executeTakeFirstOrThrow();
  const before = (await programmes()).data.find((p) => p.id === delegation.programme_id)?.delegations;
  await db.updateTable('delegations').set({ confirm_by: new Date(Date.now() + 3_600_000) }).where('id', '=', delegation.id).execute();
  const after = (await programmes()).data.find((p) => p.id === delegation.programme_id)?.delegations;
  t.equal(after, (before ?? 0) - 1, 'a pending delegation leaves the programme\'s count');
  await db.updateTable('delegations').set({ confirm_by: null }).where('id', '=', delegation.id).execute();
});

t.test('over the token\'s rate limit: 429 with Retry-After', async (t) => {
  const limited = await createApiToken(db, null, await userId('organiser@hkipd.test'), { name: 'limited', scopes: ['read'], days: 1 });
  const start = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  await db.insertInto('rate_limits').values({ key: `api:token:${limited.id}`, window_start: start, count: 600 }).execute();
  const res = await api('GET', '/api/v1/years', { token: limited.token });
  t.equal(res.statusCode, 429);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  t.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After');
  t.equal((await api('GET', '/api/v1/years', { token: reader })).statusCode, 200, 'other tokens are not held back');
});

t.test('a revoked token is refused at once; last use is recorded', async (t) => {
  const made = await createApiToken(db, null, await userId('organiser@hkipd.test'), { name: 'short-lived', scopes: ['read'], days: 1 });
  t.equal((await api('GET', '/api/v1/years', { token: made.token })).statusCode, 200);
  const used = await db.selectFrom('api_tokens').select(['last_used_at', 'token_hash']).where('id', '=', made.id).executeTakeFirstOrThrow();
  t.ok(used.last_used_at, 'last use recorded');
  t.not(used.token_hash, made.token, 'only a hash is stored');
  await db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', made.id).execute();
  t.equal((await api('GET', '/api/v1/years', { token: made.token })).statusCode, 401);
});

t.test('the HTML forms are untouched by the API\'s compilers: errors beside the fields, as before', async (t) => {
  const visitor = new Agent(app);
  await visitor.get(`/events/${event.slug}`);
  const res = await visitor.post(`/events/${event.slug}/register`, { name: '', email: 'nope', side: 'HK' });
  t.equal(res.statusCode, 400);
  t.match(res.headers['content-type'], /text\/html/);
  t.match(res.body, 'field--error');
  const missing = await app.inject({ method: 'GET', url: '/no-such-page' });
  t.equal(missing.statusCode, 404);
  t.match(missing.headers['content-type'], /text\/html/, 'the site\'s own error page');
});

t.test('every answer matched its documented schema', async (t) => {
  t.same(mismatches, []);
});
