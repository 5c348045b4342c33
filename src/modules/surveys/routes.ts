import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SURVEY_QUESTION_KINDS } from '../../db/types.ts';
import { access } from '../../lib/access.ts';
import { csvStream } from '../../lib/csv.ts';
import { attempt, Refusal } from '../../lib/errors.ts';
import type { FormErrors, FormValues } from '../../lib/forms.ts';
import { localText } from '../../lib/content.ts';
import { message, translator } from '../../lib/i18n.ts';
import { addressSubject, countHit, type RateLimit, tooManyRequests } from '../../lib/rate-limit.ts';
import { loadsByLink } from '../../lib/route-group.ts';
import type { Site } from '../../lib/site.ts';
import { xlsxStream } from '../../lib/xlsx.ts';
import { requireUser } from '../auth/plugin.ts';
import { EVENT_GROUP, scopeEvent } from '../event-admin/routes.ts';
import type { ScopedEvent } from '../events/queries.ts';
import { dateToZoned } from '../events/schemas.ts';
import { barChart } from '../reports/charts.ts';
import { exportTable } from './exports.ts';
import { answersOf, questionsOf, responseByTokenHash, responseCounts, surveyOf } from './queries.ts';
import { BLANK_QUESTIONS, INTRO_MAX, MAX_QUESTIONS, OPTION_MAX, parseAnswers, parseSurveyForm, PROMPT_MAX } from './schemas.ts';
import {
  isOpenForAnswers, localIntro, localQuestion, saveSurvey, sendDueInvitations, submitResponse, surveyResults,
} from './service.ts';

type SurveyResponse = NonNullable<Awaited<ReturnType<typeof responseByTokenHash>>>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The invitation behind a /surveys/:token link, with its survey and event. */
    surveyResponse: SurveyResponse;
  }
}

/** Answers sent from one address: generous for a shared office network, a stop for a script. */
const ANSWERS_PER_ADDRESS: RateLimit = { name: 'survey:address', max: 60, windowSeconds: 3600 };

const DAY = 24 * 3600_000;

/** Surveys after an event: the organisers' builder and results, and the participants' private form. */
export async function surveyRoutes(app: FastifyInstance) {
  const site: Site = { baseUrl: app.config.baseUrl, domain: app.mail.domain };
  await app.register(async (group) => {
    scopeEvent(group);
    builderRoutes(group, site);
    resultRoutes(group);
  }, { prefix: `${EVENT_GROUP}/survey` });
  await app.register(async (group) => answerRoutes(group), { prefix: '/surveys/:token' });
}

function builderRoutes(group: FastifyInstance, site: Site) {
  /** The builder's values from what is stored: settings, then one numbered row per question. */
  const storedValues = async (event: ScopedEvent): Promise<FormValues> => {
    const survey = await surveyOf(group.db, event.id);
    if (!survey) {
      return { status: 'draft', closes_at: dateToZoned(new Date(event.ends_at.getTime() + 14 * DAY), event.timezone) };
    }
    const values: FormValues = {
      status: survey.status, closes_at: dateToZoned(survey.closes_at, event.timezone), intro: survey.intro,
      intro_zh_hant: survey.translations['zh-Hant']?.intro ?? '',
    };
    for (const [n, q] of (await questionsOf(group.db, event.id)).entries()) {
      Object.assign(values, {
        [`question_id_${n}`]: String(q.id), [`question_position_${n}`]: String(q.position), [`question_kind_${n}`]: q.kind,
        [`question_prompt_${n}`]: q.prompt, [`question_prompt_zh_hant_${n}`]: q.translations['zh-Hant']?.prompt ?? '',
        [`question_options_${n}`]: q.options.join('\n'), [`question_options_zh_hant_${n}`]: q.translations['zh-Hant']?.options ?? '',
        [`question_required_${n}`]: q.required ? 'on' : '',
      });
    }
    return values;
  };

  const builderPage = async (event: ScopedEvent, values: FormValues, errors: FormErrors) => {
    let filled = 0;
    for (let n = 0; n < MAX_QUESTIONS + BLANK_QUESTIONS; n++) {
      if (values[`question_prompt_${n}`] || values[`question_id_${n}`]) filled = n + 1;
    }
    const survey = await surveyOf(group.db, event.id);
    return {
      title: message('surveys.builder.pageTitle', { title: event.title }), event, values, errors, survey,
      counts: await responseCounts(group.db, event.id), kinds: SURVEY_QUESTION_KINDS,
      rows: Math.min(MAX_QUESTIONS, filled + BLANK_QUESTIONS), limits: { prompt: PROMPT_MAX, option: OPTION_MAX, intro: INTRO_MAX },
      ended: event.ends_at <= new Date(),
    };
  };

  group.get('', access('organiser'), async (request, reply) =>
    reply.view('surveys/builder', await builderPage(request.event, await storedValues(request.event), {})));

  group.post('', access('organiser'), async (request, reply) => {
    const { event } = request;
    const form = parseSurveyForm(request.body, event.timezone, event.ends_at);
    const saved = form.ok ? await attempt(() => saveSurvey(group.db, requireUser(request), event, form.data)) : form;
    if (!saved.ok) {
      const values = form.ok ? (request.body as FormValues) : form.values;
      return reply.code(400).view('surveys/builder', await builderPage(event, values, saved.errors));
    }
    return reply.notice('surveys.builder.saved').redirect(`/manage/events/${event.slug}/survey`, 303);
  });

  // The periodic worker sends an open survey within a minute of the event's end; this sends it now.
  group.post('/send', access('organiser'), async (request, reply) => {
    const { event } = request;
    const survey = await surveyOf(group.db, event.id);
    if (!survey || survey.status !== 'open' || event.ends_at > new Date() || survey.closes_at <= new Date()) {
      throw Refusal.conflict('surveys.builder.cannotSend');
    }
    let invited = 0;
    for (let batch = 100; batch > 0;) {
      batch = await sendDueInvitations(group.db, site, new Date(), event.id);
      invited += batch;
    }
    return reply.notice(message('surveys.builder.sent', { n: invited })).redirect(`/manage/events/${event.slug}/survey`, 303);
  });
}

function resultRoutes(group: FastifyInstance) {
  group.get('/results', access('organiser'), async (request, reply) => {
    const { event } = request;
    const t = translator(request.locale);
    const [survey, counts, results] = await Promise.all([
      surveyOf(group.db, event.id), responseCounts(group.db, event.id), surveyResults(group.db, event.id, request.locale),
    ]);
    const charts = results.questions.map((r) => (r.question.kind === 'text' ? '' : barChart(
      r.question.prompt,
      r.options.map((o) => ({ label: o.label, value: o.count })),
      {
        describe: (row) => t('surveys.results.describe', { label: row.label, n: row.value }),
        noData: t('surveys.results.noAnswers'),
      },
    )));
    return reply.view('surveys/results', {
      title: message('surveys.results.pageTitle', { title: event.title }), event, survey, counts, results: results.questions, charts,
    });
  });

  const download = async (request: FastifyRequest, reply: FastifyReply, kind: 'csv' | 'xlsx') => {
    const { event } = request;
    // An event without a survey gives an empty table: the same columns, no rows.
    const { header, rows } = await exportTable(group.db, event.id);
    const name = `${event.slug}-survey.${kind}`;
    reply.header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store');
    if (kind === 'csv') return reply.type('text/csv; charset=utf-8').send(csvStream(header, rows));
    return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .send(await xlsxStream('Survey', header.map((h, i) => ({ header: h, width: i < 3 ? 14 : 30 })), rows));
  };

  group.get('/results.csv', access('organiser'), async (request, reply) => download(request, reply, 'csv'));
  group.get('/results.xlsx', access('organiser'), async (request, reply) => download(request, reply, 'xlsx'));
}

/** The participant's form behind the invitation's private link: nothing behind it is cached. */
function answerRoutes(group: FastifyInstance) {
  loadsByLink(group, 'surveyResponse', (tokenHash) => responseByTokenHash(group.db, tokenHash), 'surveys.errors.linkGone');

  const formPage = async (request: FastifyRequest, values: FormValues | null, errors: FormErrors) => {
    const response = request.surveyResponse;
    const locale = request.locale;
    const questions = (await questionsOf(group.db, response.event_id)).map((q) => localQuestion(q, locale));
    const eventTitle = localText(response.event_title, response.event_translations, 'title', locale).text;
    let shown = values;
    if (!shown) {
      shown = {};
      for (const a of await answersOf(group.db, response.id)) {
        shown[`answer_${a.question_id}`] = a.rating !== null ? String(a.rating)
          : a.choices !== null ? a.choices.map(String) : (a.text ?? '');
      }
    }
    return {
      title: message('surveys.form.pageTitle', { title: eventTitle }), eventTitle, response, questions, values: shown, errors,
      intro: localIntro({ intro: response.intro, translations: response.survey_translations }, locale),
      open: isOpenForAnswers(response, new Date()),
    };
  };

  group.get('', access('public'), async (request, reply) => {
    const page = await formPage(request, null, {});
    return reply.view(page.open ? 'surveys/form' : 'surveys/closed', page);
  });

  group.post('', access('public'), async (request, reply) => {
    const response = request.surveyResponse;
    if (!isOpenForAnswers(response, new Date())) return reply.code(409).view('surveys/closed', await formPage(request, null, {}));
    const questions = (await questionsOf(group.db, response.event_id)).map((q) => localQuestion(q, request.locale));
    const parsed = parseAnswers(request.body, questions);
    if (!parsed.ok) return reply.code(400).view('surveys/form', await formPage(request, parsed.values, parsed.errors));
    if (group.config.rateLimits) {
      const limit = await countHit(group.db, [{ limit: ANSWERS_PER_ADDRESS, subject: addressSubject(request.ip) }]);
      if (!limit.ok) throw tooManyRequests(reply, limit.retryAfterSeconds);
    }
    const outcome = await submitResponse(group.db, response.id, parsed.answers, new Date());
    const url = request.url.split('?')[0] ?? '';
    return reply.notice(outcome === 'first' ? 'surveys.form.thanks' : 'surveys.form.changed').redirect(url, 303);
  });
}
