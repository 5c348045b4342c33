import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { csvStream, type Cell } from '../../lib/csv.ts';
import { Refusal } from '../../lib/errors.ts';
import { format } from '../../lib/format.ts';
import { cleanText, field, type FormErrors, type FormValues, parseForm } from '../../lib/forms.ts';
import { message } from '../../lib/i18n.ts';
import { idParams, readParams } from '../../lib/params.ts';
import { xlsxStream } from '../../lib/xlsx.ts';
import { recentlyConfirmed, requireUser } from '../auth/plugin.ts';
import { desk, type ScopedEvent } from '../events/queries.ts';
import { EVENT_GROUP, scopeEvent } from '../event-admin/routes.ts';
import { eventQuestions } from '../events/queries.ts';
import { personFields, SIDE_CHOICES } from '../registrations/schemas.ts';
import type { Site } from '../../lib/site.ts';
import { type AttendanceRow, attendanceRows, searchDesk } from './queries.ts';
import { scanRoutes } from './scan-routes.ts';
import { checkInScanned, type DeskOutcome, setCheckedIn, walkIn } from './service.ts';

const presenceForm = z.object({ present: z.enum(['yes', 'no']), q: z.string().max(200).optional().default('') });
const scanForm = z.object({ code: z.string().max(500).default('') });
/** A walk-in is registered like anyone else, in the words of the desk (the organiser types the name). */
const walkInForm = z.object({
  ...personFields,
  name: field.text({ missing: 'manage.checkin.errors.name', tooLong: 'participant.errors.nameLong' }, 200),
  organisation: field.optionalText('manage.checkin.errors.organisation', 200),
  side: field.choice(SIDE_CHOICES, 'manage.checkin.errors.side'),
});

/** Questions that ask for a phone number are left out with the emails when contacts are omitted. */
const PHONE_QUESTION = /phone|mobile|tel\b|whatsapp|wechat|電話|电话|手機|手机/i;

const hongKongStamp = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Hong_Kong', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
});
const stamp = (d: Date | null) => (d ? hongKongStamp.format(d) : '');

/** The check-in desk and the attendance lists: one route group per event (its mailings: src/modules/mailings). */
export async function checkinRoutes(app: FastifyInstance) {
  const site: Site = { baseUrl: app.config.baseUrl, domain: app.mail.domain };
  await app.register(async (group) => {
    scopeEvent(group);
    deskRoutes(group, site);
    scanRoutes(group);
    attendanceRoutes(group);
  }, { prefix: EVENT_GROUP });
}

/** The door: search, check in and out, scanned tickets, walk-ins, and the live counts. */
function deskRoutes(group: FastifyInstance, site: Site) {
  const deskPage = async (
    event: ScopedEvent, q: string, extra: { outcome?: DeskOutcome; walkIn?: { values: FormValues; errors: FormErrors } } = {},
  ) => ({
    title: message('manage.checkin.pageTitle', { title: event.title }), event, q,
    counts: await desk(group.db, event.id),
    people: await searchDesk(group.db, event.id, q),
    outcome: extra.outcome ?? null,
    walkIn: extra.walkIn ?? { values: {}, errors: {} },
  });

  group.get<{ Querystring: { q?: string } }>('/checkin', access('organiser'), async (request, reply) => {
    const q = typeof request.query.q === 'string' ? cleanText(request.query.q).slice(0, 200) : '';
    return reply.view('manage/events/checkin', await deskPage(request.event, q));
  });

  group.get('/counts.json', access('organiser'), async (request) => desk(group.db, request.event.id));

  group.post('/checkin/:id', access('organiser'), async (request, reply) => {
    const { id } = readParams(idParams, request.params);
    const form = presenceForm.safeParse(request.body);
    if (!form.success) throw Refusal.notFound('manage.notFound.registration');
    const outcome = await setCheckedIn(group.db, requireUser(request), request.event, id, form.data.present === 'yes');
    return reply.code(outcome.ok ? 200 : 404)
      .view('manage/events/checkin', await deskPage(request.event, cleanText(form.data.q), { outcome }));
  });

  group.post('/checkin', access('organiser'), async (request, reply) => {
    const form = scanForm.safeParse(request.body);
    const outcome = await checkInScanned(group.db, requireUser(request), request.event, form.success ? form.data.code : '');
    return reply.code(outcome.ok ? 200 : 400).view('manage/events/checkin', await deskPage(request.event, '', { outcome }));
  });

  group.post('/walk-in', access('organiser'), async (request, reply) => {
    const { event } = request;
    const form = parseForm(walkInForm, request.body);
    if (!form.ok) {
      return reply.code(400)
        .view('manage/events/checkin', await deskPage(event, '', { walkIn: { values: form.values, errors: form.errors } }));
    }
    const outcome = await walkIn(group.db, requireUser(request), site, event, form.data);
    return reply.code(outcome.ok ? 200 : 409).view('manage/events/checkin', await deskPage(event, '', {
      outcome, walkIn: outcome.ok ? undefined : { values: form.data, errors: {} },
    }));
  });
}

/** Attendance lists to download (in English: they are records) and the printed sign-in sheet. */
function attendanceRoutes(group: FastifyInstance) {
  /** The attendance list's columns and rows; `withContacts: false` leaves out emails and phone numbers. */
  const attendance = async (event: ScopedEvent, withContacts: boolean) => {
    const questions = (await eventQuestions(group.db, event.id)).filter((q) => withContacts || !PHONE_QUESTION.test(q.label));
    const header = ['No.', 'Name', 'Organisation', 'Side', ...(withContacts ? ['Email'] : []), 'Status', 'Registered (HK time)',
      'Checked in (HK time)', ...questions.map((q) => q.label)];
    const answer = (r: AttendanceRow, id: number): Cell => {
      const a = r.answers[String(id)];
      return a === undefined ? '' : typeof a === 'boolean' ? (a ? 'yes' : 'no') : a;
    };
    async function* rows() {
      let n = 0;
      for await (const r of attendanceRows(group.db, event.id)) {
        yield [++n, r.name, r.organisation, format.side(r.side), ...(withContacts ? [r.email] : []), r.status, stamp(r.created_at),
          stamp(r.checked_in_at), ...questions.map((q) => answer(r, q.id))] as Cell[];
      }
    }
    return { header, rows: rows() };
  };

  group.get<{ Querystring: { contact?: string } }>('/attendance.csv', recentlyConfirmed('organiser'), async (request, reply) => {
    const { event } = request;
    const { header, rows } = await attendance(event, request.query.contact !== 'omit');
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${event.slug}-attendance.csv"`)
      .header('cache-control', 'no-store')
      .send(csvStream(header, rows));
  });

  group.get<{ Querystring: { contact?: string } }>('/attendance.xlsx', recentlyConfirmed('organiser'), async (request, reply) => {
    const { event } = request;
    const { header, rows } = await attendance(event, request.query.contact !== 'omit');
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${event.slug}-attendance.xlsx"`)
      .header('cache-control', 'no-store')
      .send(await xlsxStream('Attendance', header.map((h) => ({ header: h, width: h === 'No.' ? 6 : 24 })), rows));
  });

  group.get('/sign-in-sheet', access('organiser'), async (request, reply) => {
    const { event } = request;
    const people = await searchDesk(group.db, event.id, '', 100_000);
    return reply.view('manage/events/sign-in-sheet', { title: message('manage.sheet.pageTitle', { title: event.title }), event, people });
  });
}
