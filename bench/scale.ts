import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Database, DatabaseHandle } from '../src/db/index.ts';
import { signIn, type Send } from './long-inputs.ts';
import { growToScale, SCALE_SIZES, type ScaleData, type ScaleSize } from './scale-data.ts';
import { DEMO_PASSWORD, isMain, listen, percentile, round, standaloneDatabase } from './support.ts';

/*
 * Ten years of data: every page and export that organisers, judges and the public use — the
 * app's own route table is the list — measured on the one-year demo data, then again after
 * bench/scale-data.ts has grown the database to ten programme years (a million registrations,
 * the busiest event a hundred thousand, half a million scores). Each page is asked for one at
 * a time, `requests` times after a warm-up, as the person who uses it (anonymous for the public
 * site, and signed in as well, which the page cache does not serve); the figures are the median
 * and p99 per route, and their ratio between the two sizes.
 *
 * Routes a caller cannot name without a secret (private links, certificates' codes, single
 * sign-on) and the JSON API (bearer tokens: the API's own tests cover it) are left out, and so
 * are routes whose object the data has none of; the report lists what was left out and why.
 *
 *   node --expose-gc --import tsx bench/scale.ts [--smoke] [--pglite]
 */

export type Persona = 'anonymous' | 'organiser' | 'judge' | 'admin';
const EMAILS: Record<Exclude<Persona, 'anonymous'>, string> = {
  organiser: 'organiser@hkipd.test', judge: 'judge1@ipcoop.test', admin: 'admin@ipcoop.test',
};

/** `status` 0: no answer (the connection failed: `error` says how). */
export type Timing = { status: number; medianMs: number; p99Ms: number; requests: number; error?: string };
export type RouteFigure = { route: string; path: string; persona: Persona; export: boolean; demo?: Timing; scale?: Timing };
export type ScaleReport = {
  figures: RouteFigure[]; skipped: { route: string; why: string }[]; data: ScaleData; requests: number;
  loadDemo: number[]; loadScale: number[];
};
export type ScaleOptions = {
  size: ScaleSize; requests: number; exportRequests: number; warmUp: boolean; handle: DatabaseHandle;
  log?: (line: string) => void;
  /** The app in this process (smoke runs: no build, no child); else as `listen` runs it. */
  inProcess?: boolean;
};

/**
 * Exports hand over whole lists (files, the scanner's list of people, the printed sign-in sheet): their time
 * follows their rows, and they have their own benchmark.
 */
const isExport = (url: string) => (/\.(csv|xlsx|pdf|docx|txt|md|ics|json)$/.test(url) && !url.endsWith('counts.json')
  && !url.endsWith('openapi.json')) || url.endsWith('/sign-in-sheet');

/** The public site's pages, which signed-in people see too, rendered for them (the page cache serves anonymous visitors only). */
const SHOWN_SIGNED_IN = /^\/(periods|events|programmes|contests)?(\/|$)/;

type Bindings = Record<string, Record<string, string | number> | null>;

/** The objects the routes name: the busiest event, the biggest contest and programme, and so on, found on the data as it stands. */
async function objects(db: Database): Promise<Bindings> {
  const one = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(db)).rows[0] ?? null;
  const hkipd = sql`select ip.item_id from item_parties ip join organisations o on o.id = ip.organisation_id where o.code = 'HKIPD'`;
  const event = await one(sql<{ slug: string; id: number; item_id: number }>`select e.slug, e.id, e.item_id from events e
    join items i on i.id = e.item_id join periods p on p.id = i.period_id
    where p.slug = '2026-27' and e.status = 'published' and e.item_id in (${hkipd})
    order by e.confirmed_count desc, e.starts_at > now() desc, e.starts_at limit 1`);
  const registration = event && await one(sql<{ id: number }>`select id from registrations where event_id = ${event.id}
    and status = 'confirmed' order by id desc limit 1`);
  const programme = await one(sql<{ id: number; slug: string }>`select p.id, p.slug from programmes p where p.item_id in (${hkipd})
    order by (select count(*) from delegations d where d.programme_id = p.id) desc, p.id desc limit 1`);
  const delegation = programme && await one(sql<{ id: number }>`select id from delegations where programme_id = ${programme.id}
    order by id desc limit 1`);
  const contest = await one(sql<{ id: number; slug: string }>`select c.id, c.slug from contests c where c.item_id in (${hkipd})
    order by (select count(*) from entries e where e.contest_id = c.id) desc, c.id desc limit 1`);
  const entry = contest && await one(sql<{ id: number }>`select id from entries where contest_id = ${contest.id} order by id desc limit 1`);
  const assignment = await one(sql<{ id: number }>`select a.id from assignments a join users u on u.id = a.judge_id
    join contest_rounds r on r.id = a.round_id where u.email = ${EMAILS.judge} order by r.status = 'open' desc, a.id desc limit 1`);
  const publicProgramme = await one(sql<{ slug: string }>`select slug from programmes where status = 'open' and public_registration
    order by id limit 1`);
  const openContest = await one(sql<{ slug: string }>`select slug from contests where status = 'open' order by id limit 1`);
  const results = await one(sql<{ slug: string }>`select slug from contests where results_published_at is not null order by id limit 1`);
  const admin = await one(sql<{ id: number }>`select id from users where email = ${EMAILS.admin}`);
  return {
    // Template editors are named by the kind of message: one each owner has.
    event: event && { slug: event.slug, id: registration?.id ?? 0, kind: 'confirmation' },
    item: event && { id: event.item_id, number: 1 },
    programme: programme && { id: programme.id, slug: programme.slug, kind: 'confirmation' },
    delegation: delegation && { id: delegation.id },
    contest: contest && { slug: contest.slug, position: 1, entryId: entry?.id ?? 0, kind: 'results' },
    assignment: assignment && { id: assignment.id },
    publicProgramme, openContest, results, admin,
  };
}

/** How a route's parameters are bound, by the start of its address; null: left out, with the reason. */
function bind(url: string, b: Bindings): { params: Record<string, string | number>; paths?: string[] } | string {
  const starts = (prefix: string) => url === prefix || url.startsWith(`${prefix}/`);
  const need = (what: string, params: Record<string, string | number> | null | undefined) => (params ? { params } : `the data has no ${what}`);
  if (/:(token|code|provider|attachmentId|grantId|deliveryId)\b/.test(url)) return 'names a secret or a file the data does not hold';
  if (starts('/manage/events/:slug')) return need('event', b.event);
  if (starts('/manage/programmes/:id')) return need('programme', b.programme);
  if (starts('/manage/delegations/:id')) return need('delegation', b.delegation);
  if (starts('/manage/contests/:slug')) return need('contest', b.contest);
  if (starts('/manage/items/:id')) return need('item', b.item);
  if (starts('/manage/users/:id')) return need('admin', b.admin);
  if (starts('/manage/translations/:kind/:ref')) return need('event', b.event && { kind: 'event', ref: b.event.slug ?? '' });
  if (starts('/manage/figures/:metric/:ref')) return need('event', b.event && { metric: 'registrations', ref: b.event.slug ?? '' });
  if (starts('/judging/assignments/:id')) return need('assignment', b.assignment);
  if (starts('/periods/:slug')) return { params: { number: 1 }, paths: ['2018-19', '2026-27'] };
  if (starts('/events/:slug') || url === '/events/:slug.ics') return need('event', b.event);
  if (starts('/manage/periods/:slug')) return { params: { slug: '2018-19' } };
  if (starts('/programmes/:slug')) return need('publicProgramme', b.publicProgramme);
  if (url === '/contests/:slug/results' || starts('/contests/:slug/results')) return need('results', b.results);
  if (starts('/contests/:slug')) return need('openContest', b.openContest);
  if (starts('/manage/webhooks/:id')) return 'the data has no webhook endpoint';
  if (url.includes(':')) return 'a parameter this benchmark does not bind';
  return { params: {} };
}

/** The GET routes to measure, each with its address on this data and the persona that uses it. */
async function routesToMeasure(handle: DatabaseHandle, bindings: Bindings) {
  const config = loadConfig({ LOG_LEVEL: 'silent', BASE_URL: 'http://127.0.0.1', DATA_DIR: join(tmpdir(), 'ipcoop-bench'), DEMO_PASSWORD });
  const app = await buildApp({ config, db: handle.db, logger: false });
  await app.ready();
  const table = app.routeAccess.filter((r) => r.method === 'GET' && !r.url.startsWith('/static/') && r.access !== 'token');
  await app.close();
  const routes: { route: string; path: string; persona: Persona }[] = [];
  const skipped: { route: string; why: string }[] = [];
  for (const r of table) {
    if (r.url.startsWith('/api/') && r.url !== '/api/openapi.json' && r.url !== '/api/docs') continue;
    const bound = bind(r.url, bindings);
    if (typeof bound === 'string') {
      skipped.push({ route: r.url, why: bound });
      continue;
    }
    const fill = (slug?: string) => r.url.replace(/:([A-Za-z]+)/g, (_, name: string) => {
      if (name === 'slug' && slug) return slug;
      const value = bound.params[name];
      if (value === undefined) throw new Error(`${r.url}: nothing binds :${name}`);
      return encodeURIComponent(String(value));
    });
    const paths = bound.paths ? bound.paths.map(fill) : [fill()];
    const personas: Persona[] = r.access === 'public' ? (SHOWN_SIGNED_IN.test(r.url) ? ['anonymous', 'organiser'] : ['anonymous'])
      : r.access === 'judge' ? ['judge'] : r.access === 'admin' ? ['admin'] : ['organiser'];
    for (const path of paths) for (const persona of personas) routes.push({ route: r.url, path, persona });
  }
  // A public page asked with a parameter it does not read is the same cached page.
  routes.push({ route: '/periods/:slug?x=…', path: '/periods/2026-27?x=1', persona: 'anonymous' });
  return { routes, skipped };
}

async function timeRoutes(
  url: string, routes: { route: string; path: string; persona: Persona }[], requests: number, exportRequests: number, warmUp: boolean,
  log?: (line: string) => void,
): Promise<Map<string, Timing>> {
  const send: Send = async (r) => {
    const res = await fetch(`${url}${r.path}`, {
      method: r.method, headers: r.headers, redirect: 'manual', ...(r.payload ? { body: new Uint8Array(r.payload) } : {}),
    });
    const body = await res.text();
    return { status: res.status, body, headers: Object.fromEntries(res.headers), setCookie: res.headers.getSetCookie() };
  };
  const cookies: Record<Persona, string> = { anonymous: '', organiser: '', judge: '', admin: '' };
  for (const persona of ['organiser', 'judge', 'admin'] as const) {
    cookies[persona] = (await signIn(send, DEMO_PASSWORD, EMAILS[persona])).cookie.organiser;
  }
  const out = new Map<string, Timing>();
  let serial = 0;
  for (const r of routes) {
    const count = isExport(r.route) ? exportRequests : requests;
    const ms: number[] = [];
    let status = 0;
    let error: string | undefined;
    for (let i = warmUp ? -1 : 0; i < count && error === undefined; i++) {
      // Anonymous pages differ only by a parameter they do not read, as the attack sends them.
      const path = r.route.endsWith('?x=…') ? `${r.path.split('?')[0]}?x=${++serial}` : r.path;
      const started = performance.now();
      try {
        const res = await fetch(`${url}${path}`, {
          headers: cookies[r.persona] ? { cookie: cookies[r.persona] } : {}, redirect: 'manual', signal: AbortSignal.timeout(120_000),
        });
        await res.arrayBuffer();
        status = res.status;
      } catch (failure) {
        status = 0;
        const cause = failure instanceof Error && failure.cause instanceof Error ? `: ${failure.cause.message}` : '';
        error = failure instanceof Error ? `${failure.message}${cause}` : String(failure);
      }
      if (i >= 0) ms.push(performance.now() - started);
    }
    const timing: Timing = {
      status, medianMs: percentile(ms, 50), p99Ms: percentile(ms, 99), requests: ms.length, ...(error ? { error } : {}),
    };
    log?.(`${r.persona} ${r.path}: ${status}, median ${timing.medianMs} ms, p99 ${timing.p99Ms} ms${error ? ` (${error})` : ''}`);
    out.set(`${r.persona} ${r.path}`, timing);
  }
  return out;
}

export async function scale(options: ScaleOptions): Promise<ScaleReport> {
  const { db } = options.handle;
  const measure = async () => {
    const bindings = await objects(db);
    const { routes, skipped } = await routesToMeasure(options.handle, bindings);
    const { url, close } = await listen(options.handle, { inProcess: options.inProcess ?? false });
    try {
      const timings = await timeRoutes(url, routes, options.requests, options.exportRequests, options.warmUp, options.log);
      return { routes, skipped, timings };
    } finally {
      await close();
    }
  };
  const loadDemo = loadavg().map((l) => round(l, 2));
  const demo = await measure();
  options.log?.('growing the data to ten years');
  const data = await growToScale(db, options.size);
  options.log?.(`grown in ${data.seconds} s`);
  const loadScale = loadavg().map((l) => round(l, 2));
  const grown = await measure();
  const figures = new Map<string, RouteFigure>();
  for (const [phase, run] of [['demo', demo], ['scale', grown]] as const) {
    for (const r of run.routes) {
      // The same route and persona on the same kind of object at both sizes (the busiest event may be another one).
      const key = `${r.persona} ${r.route} ${r.route.startsWith('/periods/') ? r.path : ''}`;
      const figure = figures.get(key) ?? { route: r.route, path: r.path, persona: r.persona, export: isExport(r.route) };
      figure[phase] = run.timings.get(`${r.persona} ${r.path}`);
      if (phase === 'scale') figure.path = r.path;
      figures.set(key, figure);
    }
  }
  return { figures: [...figures.values()], skipped: grown.skipped, data, requests: options.requests, loadDemo, loadScale };
}

/** Whether a route meets the goals at scale: pages median < 50 ms and p99 < 150 ms; an uncached summary < 100 ms. */
export function meetsGoal(f: RouteFigure): boolean | null {
  if (!f.scale || f.export) return null;
  // A page the data has nothing for at either size (a year with no published edition) is not a figure.
  if (f.scale.status === 404 && f.demo?.status === 404) return null;
  if (f.scale.status >= 400) return false;
  const summary = /^\/periods\/\d{4}-\d{2}$/.test(f.path) && f.persona !== 'anonymous';
  return f.scale.medianMs < (summary ? 100 : 50) && f.scale.p99Ms < 150;
}

const cell = (t?: Timing) => (t ? `${t.medianMs} / ${t.p99Ms}${t.status === 200 ? '' : ` (${t.status})`}` : '—');

/** The per-route table of docs/PERFORMANCE.md: both sizes, their ratio, and the goal. */
export function scaleTable(report: ScaleReport): string {
  const lines = [
    `Ten years: ${report.data.periods.length + 2} programme years, ${report.data.registrations.toLocaleString('en-GB')} registrations `
      + `(the busiest event, ${report.data.busiestEvent}, holds the most), ${report.data.scores.toLocaleString('en-GB')} scores, `
      + `${report.data.entries.toLocaleString('en-GB')} entries, ${report.data.delegations.toLocaleString('en-GB')} delegations, `
      + `${report.data.auditEntries.toLocaleString('en-GB')} audit entries, written in ${report.data.seconds} s. `
      + `Each page ${report.requests} times after a warm-up, one at a time; load average ${report.loadDemo.join(' / ')} before the demo-data pass, `
      + `${report.loadScale.join(' / ')} before the ten-year pass. Times in ms, median / p99.`,
    '',
    '| route | as | demo data | ten years | ratio | goal | |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const f of report.figures) {
    const pass = meetsGoal(f);
    const ratio = f.demo && f.scale ? `${round(f.scale.medianMs / Math.max(0.1, f.demo.medianMs), 1)}×` : '—';
    const goal = f.export ? 'streams' : /^\/periods\/\d{4}-\d{2}$/.test(f.path) && f.persona !== 'anonymous' ? '< 100 / < 150' : '< 50 / < 150';
    lines.push(`| \`${f.path}\` | ${f.persona} | ${cell(f.demo)} | ${cell(f.scale)} | ${ratio} | ${goal} | ${pass === null ? '' : pass ? 'pass' : '**miss**'} |`);
  }
  if (report.skipped.length) {
    lines.push('', `Not measured: ${report.skipped.map((s) => `\`${s.route}\` (${s.why})`).join('; ')}.`);
  }
  return lines.join('\n');
}

export const SCALE = {
  full: { size: SCALE_SIZES.full, requests: 25, exportRequests: 3, warmUp: true },
  smoke: { size: SCALE_SIZES.smoke, requests: 1, exportRequests: 1, warmUp: false, inProcess: true },
};

if (isMain(import.meta)) {
  const handle = await standaloneDatabase();
  try {
    const report = await scale({ ...(process.argv.includes('--smoke') ? SCALE.smoke : SCALE.full), handle });
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await handle.close();
  }
}
