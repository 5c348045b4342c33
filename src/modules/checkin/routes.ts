import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import { cleanText, field, type FormErrors, type FormValues, parseForm } from '../../lib/forms.ts';
import { csvStream, type Cell } from '../../lib/csv.ts';
import { format } from '../../lib/format.ts';
import { xlsxStream } from '../../lib/xlsx.ts';
import type { CurrentUser } from '../auth/service.ts';
import { desk, type ScopedEvent, scopedEvent } from '../events/queries.ts';
import { eventQuestions } from '../registrations/queries.ts';
import { personFields } from '../registrations/schemas.ts';
import type { Site } from '../registrations/service.ts';
import { type AttendanceRow, attendanceRows, audienceOf, mailingsOf, searchDesk } from './queries.ts';
import { checkInScanned, type DeskOutcome, sendMailing, setCheckedIn, walkIn } from './service.ts';

type SlugParams = { Params: { slug: string } };

const presenceForm = z.object({ present: z.enum(['yes', 'no']), q: z.string().max(200).optional().default('') });
const scanForm = z.object({ code: z.string().max(500).default('') });
const walkInForm = z.object(personFields);
const mailingForm = z.object({
  audience: field.choice(['all', 'confirmed', 'attended', 'waitlisted'], 'Choose who gets the message.'),
  subject: field.text('a subject', 200),
  body: field.text('the message', 10_000),
});
const AUDIENCES = ['all', 'confirmed', 'attended', 'waitlisted'] as const;

/** Questions that ask for a phone number are left out with the emails when contacts are omitted. */
const PHONE_QUESTION = /phone|mobile|tel\b|whatsapp|wechat|電話|电话|手機|手机/i;

const hongKongStamp = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Hong_Kong', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
});
const stamp = (d: Date | null) => (d ? hongKongStamp.format(d) : '');

export async function checkinRoutes(app: FastifyInstance) {
  const site: Site = { baseUrl: app.config.baseUrl, domain: app.mail.domain };

  const loadEvent = async (request: FastifyRequest<SlugParams>) => {
    const event = await scopedEvent(app.db, request.user as CurrentUser, request.params.slug);
    if (!event) throw notFound('event');
    return event;
  };

  const deskPage = async (event: ScopedEvent, q: string, extra: { outcome?: DeskOutcome; walkIn?: { values: FormValues; errors: FormErrors } } = {}) => ({
    title: `Check-in: ${event.title}`, event, q,
    counts: await desk(app.db, event.id),
    people: await searchDesk(app.db, event.id, q),
    outcome: extra.outcome ?? null,
    walkIn: extra.walkIn ?? { values: {}, errors: {} },
  });

  app.get<SlugParams & { Querystring: { q?: string } }>('/manage/events/:slug/checkin', access('organiser'), async (request, reply) => {
    const event = await loadEvent(request);
    const q = typeof request.query.q === 'string' ? cleanText(request.query.q).slice(0, 200) : '';
    return reply.view('manage/events/checkin', await deskPage(event, q));
  });

  app.get<SlugParams>('/manage/events/:slug/counts.json', access('organiser'), async (request) => desk(app.db, (await loadEvent(request)).id));

  app.post<SlugParams & { Params: { id: string } }>('/manage/events/:slug/checkin/:id', access('organiser'), async (request, reply) => {
    const event = await loadEvent(request);
    const id = z.coerce.number().int().positive().max(2_147_483_647).safeParse(request.params.id);
    const form = presenceForm.safeParse(request.body);
    if (!id.success || !form.success) throw notFound('registration');
    const outcome = await setCheckedIn(app.db, request.user as CurrentUser, event, id.data, form.data.present === 'yes');
    return reply.code(outcome.ok ? 200 : 404).view('manage/events/checkin', await deskPage(event, cleanText(form.data.q), { outcome }));
  });

  app.post<SlugParams>('/manage/events/:slug/checkin', access('organiser'), async (request, reply) => {
    const event = await loadEvent(request);
    const form = scanForm.safeParse(request.body);
    const outcome = await checkInScanned(app.db, request.user as CurrentUser, event, form.success ? form.data.code : '');
    return reply.code(outcome.ok ? 200 : 400).view('manage/events/checkin', await deskPage(event, '', { outcome }));
  });

  app.post<SlugParams>('/manage/events/:slug/walk-in', access('organiser'), async (request, reply) => {
    const event = await loadEvent(request);
    const form = parseForm(walkInForm, request.body);
    if (!form.ok) return reply.code(400).view('manage/events/checkin', await deskPage(event, '', { walkIn: { values: form.values, errors: form.errors } }));
    const outcome = await walkIn(app.db, request.user as CurrentUser, site, event, form.data);
    return reply.code(outcome.ok ? 200 : 409).view('manage/events/checkin', await deskPage(event, '', {
      outcome, walkIn: outcome.ok ? undefined : { values: form.data, errors: {} },
    }));
  });

  /** The attendance list's columns and rows; `withContacts: false` leaves out emails and phone numbers. */
  const attendance = async (event: ScopedEvent, withContacts: boolean) => {
    const questions = (await eventQuestions(app.db, event.id)).filter((q) => withContacts || !PHONE_QUESTION.test(q.label));
    const header = ['No.', 'Name', 'Organisation', 'Side', ...(withContacts ? ['Email'] : []), 'Status', 'Registered (HK time)',
      'Checked in (HK time)', ...questions.map((q) => q.label)];
    const answer = (r: AttendanceRow, id: number): Cell => {
      const a = r.answers[String(id)];
      return a === undefined ? '' : typeof a === 'boolean' ? (a ? 'yes' : 'no') : a;
    };
    async function* rows() {
      let n = 0;
      for await (const r of attendanceRows(app.db, event.id)) {
        yield [++n, r.name, r.organisation, format.side(r.side), ...(withContacts ? [r.email] : []), r.status, stamp(r.created_at),
          stamp(r.checked_in_at), ...questions.map((q) => answer(r, q.id))] as Cell[];
      }
    }
    return { header, rows: rows() };
  };

  app.get<SlugParams & { Querystring: { contact?: string } }>('/manage/events/:slug/attendance.csv', access('organiser'), async (request, reply) => {
    const event = await loadEvent(request);
    const { header, rows } = await attendance(event, request.query.contact !== 'omit');
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${event.slug}-attendance.csv"`)
      .header('cache-control', 'no-store')
      .send(csvStream(header, rows));
  });

  app.get<SlugParams & { Querystring: { contact?: string } }>('/manage/events/:slug/attendance.xlsx', access('organiser'), async (request, reply) => {
    const event = await loadEvent(request);
    const { header, rows } = await attendance(event, request.query.contact !== 'omit');
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${event.slug}-attendance.xlsx"`)
      .header('cache-control', 'no-store')
      .send(await xlsxStream('Attendance', header.map((h) => ({ header: h, width: h === 'No.' ? 6 : 24 })), rows));
  });

  app.get<SlugParams>('/manage/events/:slug/sign-in-sheet', access('organiser'), async (request, reply) => {
    const event = await loadEvent(request);
    const people = await searchDesk(app.db, event.id, '', 100_000);
    return reply.view('manage/events/sign-in-sheet', { title: `Sign-in sheet: ${event.title}`, event, people });
  });

  const mailingPage = async (event: ScopedEvent, values: FormValues, errors: FormErrors) => ({
    title: `Email registrants: ${event.title}`, event, values, errors,
    audiences: await Promise.all(AUDIENCES.map(async (a) => ({ value: a, count: (await audienceOf(app.db, event.id, a)).length }))),
    mailings: await mailingsOf(app.db, event.id),
  });

  app.get<SlugParams>('/manage/events/:slug/email', access('organiser'), async (request, reply) => {
    const event = await loadEvent(request);
    const page = await mailingPage(event, { audience: 'confirmed' }, {});
    if (page.mailings.some((m) => m.sent + m.failed < m.total)) reply.header('refresh', '3');
    return reply.view('manage/events/email', page);
  });

  app.post<SlugParams>('/manage/events/:slug/email', access('organiser'), async (request, reply) => {
    const event = await loadEvent(request);
    const form = parseForm(mailingForm, request.body);
    if (!form.ok) return reply.code(400).view('manage/events/email', await mailingPage(event, form.values, form.errors));
    await sendMailing(app.db, request.user as CurrentUser, site, event, form.data);
    return reply.redirect(`/manage/events/${event.slug}/email`, 303);
  });
}
