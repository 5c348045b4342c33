import type { Database, Executor } from '../../db/index.ts';
import { Refusal } from '../../lib/errors.ts';
import { type FormErrors, type FormValues, textOf } from '../../lib/forms.ts';
import { formatFor } from '../../lib/format.ts';
import { isLocale, LOCALES, type Locale, message, type Message, translator } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { type MailAttachment, type OutgoingMail, queueMail } from '../mail/outbox.ts';
import { type MailOwner, putTemplate, removeTemplates, storedTemplates, type TemplateRow } from '../mail/template-queries.ts';
import {
  BODY_MAX, defaultTexts, KIND_FIELDS, type MailAction, type MailKind, type MergeValues, type OwnerType, parseTemplate, renderMail,
  resolveTexts, SUBJECT_MAX, type TemplateTexts,
} from '../mail/templates.ts';
import { eventFactLines, eventFields, manageUrl } from '../registrations/messages.ts';
import { firstContestRecord, firstDelegation, firstJudge, firstRegistration } from './queries.ts';

/*
 * The organisers' side of email templates: reading and checking what they write, saving it (or
 * going back to the catalogue's wording), previewing it with a real record, and sending a test.
 */

/** The event, programme or contest whose messages are edited, as the pages need it. */
export type TemplateOwner =
  | { type: 'event'; owner: MailOwner; itemId: number; title: string; event: EventForPreview }
  | { type: 'programme'; owner: MailOwner; itemId: number; title: string; starts: string; ends: string }
  | { type: 'contest'; owner: MailOwner; itemId: number; title: string; slug: string };

type EventForPreview = Parameters<typeof eventFields>[0];

/** The form's name of a language's field: subject_en, body_zh_hant … */
export const fieldName = (part: 'subject' | 'body', locale: Locale) => `${part}_${locale.replace('-', '_').toLowerCase()}`;

export type TemplateForm = Record<Locale, TemplateTexts | null>;

/**
 * Reads the editor: per language a subject and a body, or neither (the default; for Simplified
 * Chinese, the Traditional converted). Each text is refused beside its field when it is too
 * long, when its markup is broken, or when it names a merge field this kind does not offer.
 */
export function parseTemplateForm(body: unknown, kind: MailKind):
  { ok: true; data: TemplateForm; values: FormValues } | { ok: false; errors: FormErrors; values: FormValues } {
  const input = (body ?? {}) as Record<string, unknown>;
  const values: FormValues = {};
  const errors: FormErrors = {};
  const data = {} as TemplateForm;
  for (const locale of LOCALES) {
    const names = { subject: fieldName('subject', locale), body: fieldName('body', locale) };
    // Control characters go (textOf), as from every form.
    const subject = textOf(input, names.subject);
    const text = textOf(input, names.body);
    values[names.subject] = subject;
    values[names.body] = text;
    if (!subject && !text) {
      data[locale] = null;
      continue;
    }
    const subjectError = !subject ? 'mailTemplates.errors.subject'
      : subject.length > SUBJECT_MAX ? message('mailTemplates.errors.subjectLong', { max: SUBJECT_MAX })
      : subject.includes('\n') ? 'mailTemplates.errors.subjectLines'
      : problem(subject, kind);
    const bodyError = !text ? 'mailTemplates.errors.body'
      : text.length > BODY_MAX ? message('mailTemplates.errors.bodyLong', { max: BODY_MAX })
      : problem(text, kind);
    if (subjectError) errors[names.subject] = subjectError;
    if (bodyError) errors[names.body] = bodyError;
    data[locale] = { subject, body: text };
  }
  // The language of the preview and of a test: one of the list, if sent at all.
  const language = input.preview_language;
  if (language !== undefined) {
    values.preview_language = typeof language === 'string' ? textOf(input, 'preview_language') : '';
    if (!isLocale(language)) errors.preview_language = 'mailTemplates.errors.language';
  }
  return Object.keys(errors).length ? { ok: false, errors, values } : { ok: true, data, values };
}

function problem(text: string, kind: MailKind): Message | null {
  const parsed = parseTemplate(text, KIND_FIELDS[kind]);
  return parsed.ok ? null : parsed.error;
}

/** The editor's values from what is stored: the wording in use for English and Traditional; Simplified only if written. */
export function storedValues(rows: readonly TemplateRow[], kind: MailKind): FormValues {
  const values: FormValues = {};
  for (const locale of LOCALES) {
    const own = rows.find((r) => r.kind === kind && r.language === locale);
    const texts = own ?? (locale === 'zh-Hans' ? { subject: '', body: '' } : defaultTexts(kind, locale));
    values[fieldName('subject', locale)] = texts.subject;
    values[fieldName('body', locale)] = texts.body;
  }
  return values;
}

const sameAs = (a: TemplateTexts, b: TemplateTexts) => a.subject === b.subject && a.body === b.body;

const auditEntity = (owner: MailOwner) =>
  ('eventId' in owner ? ['event', owner.eventId] as const
  : 'programmeId' in owner ? ['programme', owner.programmeId] as const
  : ['contest', owner.contestId] as const);

/**
 * Saves a kind's wording in every language at once, audited. A text the same as the default is
 * not kept, so that "customised" means what it says and a later change to the default applies.
 */
export async function saveTemplates(db: Database, user: CurrentUser, target: TemplateOwner, kind: MailKind, data: TemplateForm) {
  await db.transaction().execute(async (trx) => {
    const before = await storedTemplates(trx, target.owner, kind);
    const changes: Record<string, unknown> = {};
    for (const locale of LOCALES) {
      const texts = data[locale];
      const kept = texts && !(locale !== 'zh-Hans' && sameAs(texts, defaultTexts(kind, locale))) ? texts : null;
      const old = before.find((r) => r.language === locale) ?? null;
      if ((old === null && kept === null) || (old && kept && sameAs(old, kept))) continue;
      await putTemplate(trx, target.owner, kind, locale, kept, user.id);
      changes[locale] = { from: old ? { subject: old.subject, body: old.body } : null, to: kept };
    }
    if (Object.keys(changes).length === 0) return;
    const [entity, id] = auditEntity(target.owner);
    await recordAudit(trx, user.id, 'mail_template.save', entity, id, { kind, ...changes }, target.itemId);
  });
}

/** Back to the catalogue's wording in every language, audited. */
export async function resetTemplates(db: Database, user: CurrentUser, target: TemplateOwner, kind: MailKind) {
  await db.transaction().execute(async (trx) => {
    const removed = await removeTemplates(trx, target.owner, kind);
    if (removed === 0) return;
    const [entity, id] = auditEntity(target.owner);
    await recordAudit(trx, user.id, 'mail_template.reset', entity, id, { kind }, target.itemId);
  });
}

/** The wording of one language as it would be sent: the form's if given, else what is stored. */
export function textsFor(form: TemplateForm | null, rows: readonly TemplateRow[], kind: MailKind, locale: Locale): TemplateTexts {
  if (form) {
    const own = form[locale];
    if (own) return own;
    if (locale === 'zh-Hans' && form['zh-Hant']) return resolveTexts([{ kind, language: 'zh-Hant', ...form['zh-Hant'] }], kind, locale);
    return defaultTexts(kind, locale);
  }
  return resolveTexts(rows, kind, locale);
}

export type Preview = { mail: OutgoingMail; record: string | null };

const SAMPLE_CODE = 'ipcoop-preview';

/**
 * The message as the first real person would get it (their name, the item's facts), else with
 * sample details. Private links are never real in a preview: they are shown as sample addresses.
 */
export async function previewMail(
  db: Executor, site: Site, target: TemplateOwner, kind: MailKind, texts: TemplateTexts, locale: Locale, to: string,
): Promise<Preview> {
  const t = translator(locale);
  const f = formatFor(locale);
  const sample = (path: string) => `${site.baseUrl}/${path}/${SAMPLE_CODE}`;
  const actions: MailAction[] = [];
  const attachments: MailAttachment[] = [];
  const notes: string[] = [];
  let facts: string[] = [];
  let record: string | null = null;
  let fields: MergeValues;
  if (target.type === 'event') {
    const person = await firstRegistration(db, target.owner);
    record = person?.name ?? null;
    const event = target.event;
    const manage = manageUrl(site.baseUrl, SAMPLE_CODE);
    fields = {
      ...eventFields(event, record ?? t('mailTemplates.sample.name'), locale), manage_link: manage, link: sample('invitations'),
      reason: t('mailTemplates.sample.reason'), verify_link: sample('certificates'), survey_link: sample('surveys'),
      closes: f.dateTime(new Date(event.ends_at.getTime() + 14 * 24 * 3600_000)),
    };
    facts = kind === 'certificate' || kind === 'survey' ? [] : eventFactLines(event, locale);
    if (KIND_FIELDS[kind].includes('manage_link')) {
      actions.push({ lead: t('participant.mail.manageLink'), label: t('mailTemplates.layout.manageButton'), url: manage });
    }
    if (kind === 'approved') notes.push(t('modes.mail.approvedConfirmed'));
    if (kind === 'invitation') {
      actions.push({ lead: t('modes.mail.invitationLink'), label: t('mailTemplates.layout.invitationButton'), url: sample('invitations') });
      notes.push(t('modes.mail.invitationNote'));
    }
    if (kind === 'confirmation' || kind === 'promoted' || kind === 'approved') {
      actions.push({
        lead: t('mailTemplates.layout.calendar'), label: t('mailTemplates.layout.calendarButton'),
        url: `${site.baseUrl}/events/${event.slug}.ics`,
      });
      notes.push(t('participant.mail.attached'));
      attachments.push({ filename: 'ticket.png', qr: SAMPLE_CODE, cid: `ticket@${site.domain}` });
    }
    if (kind === 'reminder') {
      actions.push({
        lead: t('scheduled.reminder.manage'), label: t('mailTemplates.layout.eventButton'), url: `${site.baseUrl}/events/${event.slug}`,
      });
      notes.push(t('scheduled.reminder.ticket'));
      attachments.push({ filename: 'ticket.png', qr: SAMPLE_CODE, cid: `ticket@${site.domain}` });
    }
    if (kind === 'certificate') {
      actions.push({ lead: t('certificates.mail.verify'), label: t('mailTemplates.layout.verifyButton'), url: sample('certificates') });
    }
    if (kind === 'survey') {
      actions.push({ lead: t('mailTemplates.layout.survey'), label: t('mailTemplates.layout.surveyButton'), url: sample('surveys') });
    }
  } else if (target.type === 'programme') {
    const delegation = await firstDelegation(db, target.owner);
    record = delegation?.contact_name ?? null;
    fields = {
      name: record ?? t('mailTemplates.sample.name'), title: target.title,
      when: `${f.date(target.starts)} – ${f.date(target.ends)}`, where: '', manage_link: sample('delegations'),
      link: sample('invitations'), reason: t('mailTemplates.sample.reason'),
    };
  } else {
    const judging = kind === 'judgeAssigned' || kind === 'judgeReminder';
    const entry = judging ? null : await firstContestRecord(db, target.owner);
    const judge = judging ? await firstJudge(db, target.owner) : null;
    record = entry?.applicant_name ?? judge?.name ?? null;
    fields = {
      name: record ?? t('mailTemplates.sample.name'), title: target.title,
      entry_title: entry?.title ?? t('mailTemplates.sample.entryTitle'), reference: entry?.reference ?? 'SAMPLE-001',
      manage_link: sample('entries'), results_link: `${site.baseUrl}/contests/${target.slug}/results`,
      round: t('mailTemplates.sample.round'), count: '3', judge_link: `${site.baseUrl}/judging`,
      closes: f.dateTime(new Date(Date.now() + 7 * 24 * 3600_000)), award: t('mailTemplates.sample.award'),
      certificate_link: sample('certificates'),
    };
    if (judging) {
      actions.push({ lead: t('contestMail.judge.link'), label: t('mailTemplates.layout.judgeButton'), url: `${site.baseUrl}/judging` });
    }
    if (kind === 'results') {
      actions.push(
        { lead: t('contestMail.entrant.certificate'), label: t('mailTemplates.layout.verifyButton'), url: sample('certificates') },
        { lead: t('contestMail.entrant.results'), label: t('mailTemplates.layout.resultsButton'), url: fields.results_link ?? '' },
      );
      notes.push(t('contestMail.entrant.awarded', { award: t('mailTemplates.sample.award') }));
    }
    if (kind === 'entryReceived') {
      actions.push({ lead: t('participant.mail.entry.link'), label: t('mailTemplates.layout.entryButton'), url: sample('entries') });
    }
  }
  const mail = renderMail(texts, {
    kind, locale, fields, to, actions, attachments, notes, facts, itemId: target.itemId,
  });
  return { mail, record };
}

/** Sends the preview to the organiser themself, through the outbox like any message. */
export async function sendTest(
  db: Database, user: CurrentUser, site: Site, target: TemplateOwner, kind: MailKind, texts: TemplateTexts, locale: Locale,
) {
  const { mail } = await previewMail(db, site, target, kind, texts, locale, user.email);
  await db.transaction().execute(async (trx) => {
    await queueMail(trx, { ...mail, subject: translator(locale)('mailTemplates.test.subject', { subject: mail.subject }) }, site.domain);
  });
}

/** The kinds of an owner, each with whether the organisers reworded it. */
export async function kindsOf(db: Executor, type: OwnerType, owner: MailOwner, kinds: readonly MailKind[]) {
  const rows = await storedTemplates(db, owner);
  return kinds.map((kind) => ({ kind, customised: rows.some((r) => r.kind === kind), type }));
}

/** A kind named in the address, if this owner has it; anything else is not found. */
export function kindOf(value: string, kinds: readonly MailKind[]): MailKind {
  const kind = kinds.find((k) => k === value);
  if (!kind) throw Refusal.notFound();
  return kind;
}
