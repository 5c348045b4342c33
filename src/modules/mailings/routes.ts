import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { MailingAudience } from '../../db/types.ts';
import { access } from '../../lib/access.ts';
import { localText } from '../../lib/content.ts';
import { Refusal } from '../../lib/errors.ts';
import { field, type FormErrors, type FormValues, parseForm } from '../../lib/forms.ts';
import { labelMessage } from '../../lib/format.ts';
import { type Message, type MessageKey, message, verbatim } from '../../lib/i18n.ts';
import { idParams, readParams, slugParams, tokenParams } from '../../lib/params.ts';
import type { Site } from '../../lib/site.ts';
import { hashToken, isTokenShaped } from '../../lib/tokens.ts';
import { loadsObject } from '../../lib/route-group.ts';
import { requireUser } from '../auth/plugin.ts';
import { contestCategories, contestRounds, scopedContest } from '../contests/queries.ts';
import { EVENT_GROUP, scopeEvent } from '../event-admin/routes.ts';
import { scopedProgramme } from '../programmes/queries.ts';
import {
  audienceSizes, CONTEST_AUDIENCES, DELEGATION_STATUSES, ENTRY_STATUSES, EVENT_AUDIENCES, type MailingFilters, mailingsOf,
  PROGRAMME_AUDIENCES, unsubscribeLink,
} from './queries.ts';
import { type MailingSubject, ownerOf, sendMailing, unsubscribe, type UnsubscribeScope } from './service.ts';

/*
 * The organisers' mail to an event's registrants, a programme's delegations and a contest's
 * entrants or judges: one form and one history with its delivery progress, under each object's
 * own route group (loaded through the organiser's scope). And the recipients' unsubscribe link.
 */

const AUDIENCE_LABELS: Record<MailingAudience, MessageKey> = {
  all: 'manage.email.audience.all', confirmed: 'manage.email.audience.confirmed', attended: 'manage.email.audience.attended',
  waitlisted: 'manage.email.audience.waitlisted', leaders: 'mailings.audience.leaders', delegations: 'mailings.audience.delegations',
  entrants: 'mailings.audience.entrants', judges: 'mailings.audience.judges',
};

/** A filter of the form: a select whose first option, '', is "any". */
type Filter = { name: keyof MailingFilters; label: Message; options: { value: string; label: Message }[]; error: MessageKey };

/** What differs between the three kinds of mailing page. */
type Kind = {
  subjectOf: (request: FastifyRequest) => MailingSubject;
  base: (s: MailingSubject) => string;
  crumbs: (s: MailingSubject) => { href: string; label: Message }[];
  title: (s: MailingSubject) => Message;
  heading: MessageKey;
  hint: MessageKey;
  audiences: readonly [MailingAudience, ...MailingAudience[]];
  filters: (s: MailingSubject) => Promise<Filter[]>;
};

const subjectText = {
  subject: field.text({ missing: 'manage.email.errors.subject', tooLong: 'manage.email.errors.subjectLength' }, 200),
  body: field.text({ missing: 'manage.email.errors.body', tooLong: 'manage.email.errors.bodyLength' }, 10_000),
};

/** The form's schema: the kind's audiences, and each filter's own values ('' for any). */
const formOf = (kind: Kind, filters: Filter[]) => z.object({
  audience: field.choice(kind.audiences, 'manage.email.errors.audience'),
  ...subjectText,
  ...Object.fromEntries(filters.map((f) => [f.name,
    z.enum(['', ...f.options.map((o) => o.value)] as [string, ...string[]], { error: f.error }).optional().default('')])),
});

export async function mailingRoutes(app: FastifyInstance) {
  const site: Site = { baseUrl: app.config.baseUrl, domain: app.mail.domain };
  const db = app.db;

  const eventKind: Kind = {
    subjectOf: (request) => ({ kind: 'event', event: request.event }),
    base: (s) => (s.kind === 'event' ? `/manage/events/${s.event.slug}` : ''),
    crumbs: (s) => (s.kind === 'event'
      ? [{ href: '/manage/events', label: 'manage.nav.events' }, { href: `/manage/events/${s.event.slug}`, label: verbatim(s.event.title) }]
      : []),
    title: (s) => message('manage.email.pageTitle', { title: s.kind === 'event' ? s.event.title : '' }),
    heading: 'manage.event.email',
    hint: 'manage.email.messageHint',
    audiences: EVENT_AUDIENCES,
    filters: async () => [],
  };

  const programmeKind: Kind = {
    subjectOf: (request) => ({ kind: 'programme', programme: request.programme }),
    base: (s) => (s.kind === 'programme' ? `/manage/programmes/${s.programme.id}` : ''),
    crumbs: (s) => (s.kind === 'programme'
      ? [{ href: '/manage/programmes', label: 'contests.programmes.heading' },
          { href: `/manage/programmes/${s.programme.id}`, label: verbatim(s.programme.title) }]
      : []),
    title: (s) => message('mailings.programme.pageTitle', { title: s.kind === 'programme' ? s.programme.title : '' }),
    heading: 'mailings.programme.heading',
    hint: 'mailings.programme.hint',
    audiences: PROGRAMME_AUDIENCES,
    filters: async () => [{
      name: 'status', label: 'mailings.filter.delegationStatus', error: 'mailings.errors.status',
      options: DELEGATION_STATUSES.map((s) => ({ value: s, label: labelMessage(s) })),
    }],
  };

  const contestKind: Kind = {
    subjectOf: (request) => ({ kind: 'contest', contest: request.contest }),
    base: (s) => (s.kind === 'contest' ? `/manage/contests/${s.contest.slug}` : ''),
    crumbs: (s) => (s.kind === 'contest'
      ? [{ href: '/manage/contests', label: 'contests.index.heading' },
          { href: `/manage/contests/${s.contest.slug}`, label: verbatim(s.contest.title) }]
      : []),
    title: (s) => message('mailings.contest.pageTitle', { title: s.kind === 'contest' ? s.contest.title : '' }),
    heading: 'mailings.contest.heading',
    hint: 'mailings.contest.hint',
    audiences: CONTEST_AUDIENCES,
    filters: async (s) => {
      if (s.kind !== 'contest') return [];
      const [categories, rounds] = await Promise.all([contestCategories(db, s.contest.id), contestRounds(db, s.contest.id)]);
      return [
        { name: 'category', label: 'mailings.filter.category', error: 'mailings.errors.category',
          options: categories.map((c) => ({ value: String(c.id), label: verbatim(`${c.code} · ${c.name}`) })) },
        { name: 'round', label: 'mailings.filter.round', error: 'mailings.errors.round',
          options: rounds.map((r) => ({ value: String(r.position), label: verbatim(`${r.position}. ${r.name}`) })) },
        { name: 'status', label: 'mailings.filter.entryStatus', error: 'mailings.errors.status',
          options: ENTRY_STATUSES.map((v) => ({ value: v, label: labelMessage(v) })) },
      ];
    },
  };

  /** The page: the history with its progress, and the form with each audience's size. */
  const page = async (kind: Kind, s: MailingSubject, values: FormValues, errors: FormErrors) => {
    const owner = ownerOf(s);
    const filters = await kind.filters(s);
    const optionLabel = (name: string, value: string) =>
      filters.find((f) => f.name === name)?.options.find((o) => o.value === value)?.label ?? verbatim(value);
    const mailings = (await mailingsOf(db, owner)).map((m) => ({
      ...m,
      to: AUDIENCE_LABELS[m.audience],
      filters: Object.entries(m.filters).filter(([, v]) => v).map(([k, v]) => optionLabel(k, v)),
    }));
    const sizes = await audienceSizes(db, owner, kind.audiences);
    return {
      title: kind.title(s), heading: kind.heading, bodyHint: kind.hint, crumbs: kind.crumbs(s), action: `${kind.base(s)}/email`,
      values, errors,
      audiences: kind.audiences.map((a, i) => ({ value: a, label: AUDIENCE_LABELS[a], count: sizes[i] ?? 0 })),
      filters, mailings,
    };
  };

  const compose = (group: FastifyInstance, kind: Kind) => {
    group.get('/email', access('organiser'), async (request, reply) => {
      // Events start at the confirmed registrants; the others at their first audience.
      const audience = kind.audiences[0] === 'all' ? 'confirmed' : kind.audiences[0];
      const view = await page(kind, kind.subjectOf(request), { audience }, {});
      if (view.mailings.some((m) => m.sent + m.failed < m.total)) reply.header('refresh', '3');
      return reply.view('mailings/compose', view);
    });

    group.post('/email', access('organiser'), async (request, reply) => {
      const s = kind.subjectOf(request);
      const filters = await kind.filters(s);
      const form = parseForm(formOf(kind, filters), request.body);
      if (!form.ok) return reply.code(400).view('mailings/compose', await page(kind, s, form.values, form.errors));
      type Sent = { audience: MailingAudience; subject: string; body: string } & MailingFilters;
      const { audience, subject, body, ...chosen } = form.data as Sent;
      // Judges are the panel: the entrants' filters do not apply to them.
      const applied = audience === 'judges' ? {} : Object.fromEntries(Object.entries(chosen).filter(([, v]) => v)) as MailingFilters;
      const sent = await sendMailing(db, requireUser(request), site, s, { audience, filters: applied, subject, body });
      reply.notice(sent.skipped
        ? message('mailings.notice.queuedSkipped', { n: sent.recipients, skipped: sent.skipped })
        : message('mailings.notice.queued', { n: sent.recipients }));
      return reply.redirect(`${kind.base(s)}/email`, 303);
    });
  };

  await app.register(async (group) => {
    scopeEvent(group);
    compose(group, eventKind);
  }, { prefix: EVENT_GROUP });

  await app.register(async (group) => {
    loadsObject(group, 'programme', (request) =>
      scopedProgramme(db, requireUser(request), readParams(idParams, request.params).id), 'contests.errors.programmeNotFound');
    compose(group, programmeKind);
  }, { prefix: '/manage/programmes/:id' });

  await app.register(async (group) => {
    loadsObject(group, 'contest', (request) =>
      scopedContest(db, requireUser(request), readParams(slugParams, request.params).slug), 'contests.errors.contestNotFound');
    compose(group, contestKind);
  }, { prefix: '/manage/contests/:slug' });

  await app.register(unsubscribeRoutes);
}

const unsubscribeForm = z.object({
  scope: z.enum(['list', 'kind'], { error: 'mailings.errors.scope' }).optional().default('list'),
});

/**
 * The link in every mailing (and its List-Unsubscribe header). GET only asks (mail scanners open
 * links); POST unsubscribes. RFC 8058's one-click POST comes from the recipient's mail software,
 * with no page of ours before it, so it carries no CSRF token and may be multipart: the route
 * takes neither a token nor the session as its authority, only the 256-bit token in its address,
 * which only the recipient's message holds (stored hashed; taken out of the outbox's copy once
 * sent; never logged). A forged cross-site POST would have to know that token already. What it
 * can do is bounded: it takes one address off one list (or the lists of one kind), once.
 */
async function unsubscribeRoutes(app: FastifyInstance) {
  // A one-click body is `List-Unsubscribe=One-Click`, as a form or as multipart: nothing in it is read.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: 4096 }, (_request, _body, done) => done(null, {}));

  const linkOf = async (request: FastifyRequest) => {
    const { token } = readParams(tokenParams, request.params);
    const link = isTokenShaped(token) ? await unsubscribeLink(app.db, hashToken(token)) : undefined;
    if (!link) throw Refusal.notFound('mailings.unsubscribe.notFound');
    return { token, link };
  };
  const show = (request: FastifyRequest, reply: FastifyReply, found: Awaited<ReturnType<typeof linkOf>>, extra: object) => reply.view(
    'mailings/unsubscribe', {
      title: 'mailings.unsubscribe.title', token: found.token, kind: found.link.list_kind,
      list: localText(found.link.title ?? '', found.link.translations, 'title', request.locale).text,
      done: null, values: { scope: 'list' }, errors: {}, ...extra,
    },
  );

  app.get('/unsubscribe/:token', access('public'), async (request, reply) => show(request, reply, await linkOf(request), {}));

  app.post('/unsubscribe/:token', { config: { access: 'public', withoutCsrf: true } }, async (request, reply) => {
    const found = await linkOf(request);
    // A form (urlencoded or multipart, as RFC 8058 has it); text of any other kind is not one.
    const sent = typeof request.body === 'object' && request.body !== null ? request.body : { scope: [] };
    const form = parseForm(unsubscribeForm, sent);
    if (!form.ok) return show(request, reply.code(400), found, { values: form.values, errors: form.errors });
    const scope: UnsubscribeScope = form.data.scope;
    await unsubscribe(app.db, found.link, scope);
    return show(request, reply, found, { done: scope });
  });
}
