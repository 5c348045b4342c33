import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Database } from '../../db/index.ts';
import { access } from '../../lib/access.ts';
import { attempt, type FormErrors } from '../../lib/errors.ts';
import { field, type FormValues, parseForm } from '../../lib/forms.ts';
import { message, translator, verbatim } from '../../lib/i18n.ts';
import { requireUser } from '../auth/plugin.ts';
import type { CurrentUser } from '../auth/service.ts';
import { itemsInScope } from '../scope/queries.ts';
import { contestCategories, contestCriteria, contestRounds, contestTiers, type ScopedContest } from './queries.ts';
import { addRound, createContest, saveCategories, saveCriteria, saveTiers, updateContestDetails } from './setup.ts';
import {
  BLANK_ROWS, CONTEST_KINDS, parseCategories, parseContestDetails, parseCriteria, parseNewContest, parseTiers,
} from './setup-schemas.ts';

/* The organisers' contest setup: a new contest, then its details, categories, award tiers, rounds and criteria. */

const roundForm = z.object({
  name: field.text({ missing: 'contests.errors.newRoundName', tooLong: 'contests.errors.newRoundNameLength' }, 120),
});

/** The section of the setup page a failed save belongs to, with what was typed and what is wrong. */
type Failed = { section: string; values: FormValues; errors: FormErrors };

const setupUrl = (c: { slug: string }, anchor = '') => `/manage/contests/${c.slug}/setup?saved${anchor ? `#${anchor}` : ''}`;

/** The setup page; after a failed save, that section shows what was typed and what is wrong (400). */
async function setupPage(db: Database, reply: FastifyReply, contest: ScopedContest, failed: Failed | null = null, saved = false) {
  const [categories, tiers, rounds, criteria, hasEntries] = await Promise.all([
    contestCategories(db, contest.id), contestTiers(db, contest.id), contestRounds(db, contest.id), contestCriteria(db, contest.id),
    db.selectFrom('entries').select('id').where('contest_id', '=', contest.id).executeTakeFirst(),
  ]);
  return reply.code(failed ? 400 : 200).view('manage/contests/setup', {
    title: message('contests.setup.title', { title: verbatim(contest.title) }),
    contest, categories, tiers, rounds, criteria, kinds: CONTEST_KINDS,
    kindLocked: Boolean(hasEntries), failed, saved, blankRows: BLANK_ROWS,
  });
}

/** A new contest, in one of the organiser's items, with its first round. */
export async function newContestRoutes(app: FastifyInstance) {
  const newForm = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, errors: FormErrors) => {
    const items = await itemsInScope(app.db, requireUser(request));
    return reply.view('manage/contests/new', { title: 'contests.new.heading', items, kinds: CONTEST_KINDS, values, errors });
  };

  app.get<{ Querystring: { item?: string } }>('/manage/contests/new', access('organiser'), async (request, reply) => {
    const firstRound = translator(request.locale)('contests.new.firstRoundDefault');
    return newForm(request, reply, { item_id: request.query.item ?? '', kind: 'patent_portfolio', first_round: firstRound }, {});
  });

  app.post('/manage/contests/new', access('organiser'), async (request, reply) => {
    const form = parseNewContest(request.body);
    if (!form.ok) return newForm(request, reply.code(400), form.values, form.errors);
    const created = await attempt(() => createContest(app.db, requireUser(request), form.data));
    if (!created.ok) return newForm(request, reply.code(400), request.body as FormValues, created.errors);
    return reply.redirect(setupUrl({ slug: created.value }), 303);
  });
}

/** The setup of the contest of the group (`request.contest`): its page, details, lists and a new round. */
export async function contestSetupRoutes(group: FastifyInstance) {
  group.get<{ Querystring: { saved?: string } }>('/setup', access('organiser'), async (request, reply) =>
    setupPage(group.db, reply, request.contest, null, request.query.saved !== undefined));

  group.post('/details', access('organiser'), async (request, reply) => {
    const { contest } = request;
    const form = parseContestDetails(request.body);
    if (!form.ok) return setupPage(group.db, reply, contest, { section: 'details', ...form });
    const saved = await attempt(() => updateContestDetails(group.db, requireUser(request), contest, form.data));
    if (!saved.ok) {
      return setupPage(group.db, reply, contest, { section: 'details', errors: saved.errors, values: request.body as FormValues });
    }
    return reply.redirect(setupUrl(contest, 'details'), 303);
  });

  /** Saving a list section (categories, award tiers): its rows are read, checked and saved whole. */
  const saveList = <T>(
    section: string,
    parse: (body: unknown) => { ok: true; rows: T[] } | { ok: false; errors: FormErrors; values: FormValues },
    save: (user: CurrentUser, contest: ScopedContest, rows: T[]) => Promise<void>,
  ) => async (request: FastifyRequest, reply: FastifyReply) => {
    const { contest } = request;
    const form = parse(request.body);
    if (!form.ok) return setupPage(group.db, reply, contest, { section, values: form.values, errors: form.errors });
    const saved = await attempt(() => save(requireUser(request), contest, form.rows));
    if (!saved.ok) return setupPage(group.db, reply, contest, { section, values: request.body as FormValues, errors: saved.errors });
    return reply.redirect(setupUrl(contest, section), 303);
  };

  group.post('/categories', access('organiser'),
    saveList('categories', parseCategories, (user, contest, rows) => saveCategories(group.db, user, contest, rows)));
  group.post('/tiers', access('organiser'),
    saveList('tiers', parseTiers, (user, contest, rows) => saveTiers(group.db, user, contest, rows)));

  group.post('/rounds', access('organiser'), async (request, reply) => {
    const { contest } = request;
    const form = parseForm(roundForm, request.body);
    if (!form.ok) return setupPage(group.db, reply, contest, { section: 'new-round', values: form.values, errors: form.errors });
    const position = await addRound(group.db, requireUser(request), contest, form.data.name);
    return reply.redirect(setupUrl(contest, `round-${position}`), 303);
  });
}

/** The criteria of the round of the group (`request.round`), saved from its section of the setup page. */
export async function roundCriteriaRoutes(group: FastifyInstance) {
  group.post('/criteria', access('organiser'), async (request, reply) => {
    const { contest, round } = request;
    const section = `round-${round.position}`;
    const form = parseCriteria(request.body);
    if (!form.ok) return setupPage(group.db, reply, contest, { section, values: form.values, errors: form.errors });
    const user = requireUser(request);
    const saved = await attempt(() => saveCriteria(group.db, user, contest, round, form.roundName ?? round.name, form.rows));
    if (!saved.ok) return setupPage(group.db, reply, contest, { section, values: request.body as FormValues, errors: saved.errors });
    return reply.redirect(setupUrl(contest, section), 303);
  });
}
