import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import { field, type FormErrors, type FormValues, parseForm } from '../../lib/forms.ts';
import { localiseErrors, translator } from '../../lib/i18n.ts';
import type { CurrentUser } from '../auth/service.ts';
import { contestCategories } from '../entries/queries.ts';
import { itemsInScope } from '../manage/queries.ts';
import { loadScopedContest } from './manage-routes.ts';
import { contestCriteria, contestRounds, contestTiers, roundOf, type ScopedContest } from './queries.ts';
import { addRound, createContest, saveCategories, saveCriteria, saveTiers, updateContestDetails } from './setup.ts';
import { BLANK_ROWS, CONTEST_KINDS, parseCategories, parseContestDetails, parseCriteria, parseNewContest, parseTiers } from './setup-schemas.ts';

/* The organisers' contest setup: a new contest, then its details, categories, award tiers, rounds and criteria. */

const slugParams = z.object({ slug: z.string().max(200) });
const roundParams = slugParams.extend({ position: z.coerce.number().int().positive().max(1000) });
const roundForm = z.object({ name: field.text('the name of the new round', 120) });

/** The section of the setup page a failed save belongs to, with what was typed and what is wrong. */
type Failed = { section: string; values: FormValues; errors: FormErrors };

export async function contestSetupRoutes(app: FastifyInstance) {
  const userOf = (request: FastifyRequest) => request.user as CurrentUser;

  const loadContest = (request: FastifyRequest) => loadScopedContest(app, request);

  const setupUrl = (c: { slug: string }, anchor = '') => `/manage/contests/${c.slug}/setup?saved${anchor ? `#${anchor}` : ''}`;

  async function setupPage(reply: FastifyReply, contest: ScopedContest, failed: Failed | null = null, saved = false) {
    const [categories, tiers, rounds, criteria] = await Promise.all([
      contestCategories(app.db, contest.id),
      contestTiers(app.db, contest.id), contestRounds(app.db, contest.id), contestCriteria(app.db, contest.id),
    ]);
    const hasEntries = await app.db.selectFrom('entries').select('id').where('contest_id', '=', contest.id).executeTakeFirst();
    return reply.code(failed ? 400 : 200).view('manage/contests/setup', {
      title: translator(reply.request.locale)('contests.setup.title', { title: contest.title }), contest, categories, tiers, rounds, criteria, kinds: CONTEST_KINDS,
      kindLocked: Boolean(hasEntries), failed: failed && { ...failed, errors: localiseErrors(reply.request.locale, failed.errors) }, saved, blankRows: BLANK_ROWS,
    });
  }

  const newForm = async (reply: FastifyReply, request: FastifyRequest, values: FormValues, errors: FormErrors, status = 200) => {
    const items = await itemsInScope(app.db, userOf(request));
    return reply.code(status).view('manage/contests/new', { title: 'New contest', items, kinds: CONTEST_KINDS, values, errors: localiseErrors(request.locale, errors) });
  };

  app.get<{ Querystring: { item?: string } }>('/manage/contests/new', access('organiser'), async (request, reply) =>
    newForm(reply, request, { item_id: request.query.item ?? '', kind: 'patent_portfolio', first_round: translator(request.locale)('contests.new.firstRoundDefault') }, {}));

  app.post('/manage/contests/new', access('organiser'), async (request, reply) => {
    const form = parseNewContest(request.body);
    if (!form.ok) return newForm(reply, request, form.values, form.errors, 400);
    const created = await createContest(app.db, userOf(request), form.data);
    if (!created.ok) return newForm(reply, request, request.body as FormValues, created.errors, 400);
    return reply.redirect(setupUrl(created), 303);
  });

  app.get<{ Querystring: { saved?: string } }>('/manage/contests/:slug/setup', access('organiser'), async (request, reply) =>
    setupPage(reply, await loadContest(request), null, request.query.saved !== undefined));

  app.post('/manage/contests/:slug/details', access('organiser'), async (request, reply) => {
    const contest = await loadContest(request);
    const form = parseContestDetails(request.body);
    if (!form.ok) return setupPage(reply, contest, { section: 'details', ...form });
    const saved = await updateContestDetails(app.db, userOf(request), contest, form.data);
    if (!saved.ok) return setupPage(reply, contest, { section: 'details', values: request.body as FormValues, errors: saved.errors });
    return reply.redirect(setupUrl(contest, 'details'), 303);
  });

  const listSave = <T>(
    path: string, section: string,
    parse: (body: unknown) => { ok: true; rows: T[] } | { ok: false; errors: FormErrors; values: FormValues },
    save: (user: CurrentUser, contest: ScopedContest, rows: T[]) => Promise<{ ok: true } | { ok: false; errors: FormErrors }>,
  ) => {
    app.post(path, access('organiser'), async (request, reply) => {
      const contest = await loadContest(request);
      const form = parse(request.body);
      if (!form.ok) return setupPage(reply, contest, { section, values: form.values, errors: form.errors });
      const saved = await save(userOf(request), contest, form.rows);
      if (!saved.ok) return setupPage(reply, contest, { section, values: request.body as FormValues, errors: saved.errors });
      return reply.redirect(setupUrl(contest, section), 303);
    });
  };

  listSave('/manage/contests/:slug/categories', 'categories', parseCategories, (u, c, rows) => saveCategories(app.db, u, c, rows));
  listSave('/manage/contests/:slug/tiers', 'tiers', parseTiers, (u, c, rows) => saveTiers(app.db, u, c, rows));

  app.post('/manage/contests/:slug/rounds', access('organiser'), async (request, reply) => {
    const contest = await loadContest(request);
    const form = parseForm(roundForm, request.body);
    if (!form.ok) return setupPage(reply, contest, { section: 'new-round', values: form.values, errors: form.errors });
    const added = await addRound(app.db, userOf(request), contest, form.data.name);
    return reply.redirect(setupUrl(contest, `round-${added.ok ? added.position : ''}`), 303);
  });

  app.post('/manage/contests/:slug/rounds/:position/criteria', access('organiser'), async (request, reply) => {
    const contest = await loadContest(request);
    const parsed = roundParams.safeParse(request.params);
    const round = parsed.success ? await roundOf(app.db, contest.id, parsed.data.position) : undefined;
    if (!round) throw notFound('round');
    const section = `round-${round.position}`;
    const form = parseCriteria(request.body);
    if (!form.ok) return setupPage(reply, contest, { section, values: form.values, errors: form.errors });
    const saved = await saveCriteria(app.db, userOf(request), contest, round, form.roundName ?? round.name, form.rows);
    if (!saved.ok) return setupPage(reply, contest, { section, values: request.body as FormValues, errors: saved.errors });
    return reply.redirect(setupUrl(contest, section), 303);
  });
}
