import { randomBytes } from 'node:crypto';
import type { Database, Executor } from '../../db/index.ts';
import { localText } from '../../lib/content.ts';
import { Refusal } from '../../lib/errors.ts';
import { isLocale, type Locale, translator } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import { recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { type OutgoingMail, queueMail } from '../mail/outbox.ts';
import { composeMail } from '../mail/templates.ts';
import { renderAttendanceCertificate, verificationUrl } from './pdf.ts';
import {
  type AttendanceRow, attendanceRow, type CertificateEvent, dueAttendance, grantsWithoutCertificate, latestCertificateFor, organisersOf,
  unmailedAttendance,
} from './queries.ts';

/*
 * Issuing and sending certificates. Issuing is a row with a random code; several instances may
 * issue at once, and the partial unique indexes (one live certificate per registration, per grant)
 * let only one row in (ON CONFLICT DO NOTHING). Sending is separate: the PDF is drawn outside any
 * transaction, then the row is marked mailed *conditionally* in the transaction that queues the
 * mail, so a certificate is mailed once even when two instances drew it.
 */

/** 128 random bits, URL-safe: a code nobody can guess or enumerate. */
const newCertificateCode = () => randomBytes(16).toString('base64url');

/** A code of the shape `newCertificateCode` makes; anything else is never looked up. */
export const isCertificateCode = (code: string) => /^[A-Za-z0-9_-]{22}$/.test(code);

const BATCH = 50;

/** Issues the attendance certificates owed (all, or one event's); returns how many were issued. */
export async function issueAttendance(db: Executor, now: Date, eventId?: number): Promise<number> {
  const due = await dueAttendance(db, now, BATCH, eventId);
  if (due.length === 0) return 0;
  const issued = await db.insertInto('certificates')
    .values(due.map((r) => ({
      code: newCertificateCode(), kind: 'attendance' as const, registration_id: r.id, name: r.name,
      language: isLocale(r.language) ? r.language : 'en', hours: r.cpd_hours,
    })))
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .execute();
  return issued.length;
}

/** Gives a certificate code to the award grants of published results that have none (all, or one contest's). */
export async function issueAwards(db: Executor, contestId?: number): Promise<number> {
  let total = 0;
  for (;;) {
    const grants = await grantsWithoutCertificate(db, BATCH, contestId);
    if (grants.length === 0) return total;
    const issued = await db.insertInto('certificates')
      .values(grants.map((g) => ({ code: newCertificateCode(), kind: 'award' as const, award_grant_id: g.id, name: g.applicant_name })))
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .execute();
    total += issued.length;
    if (grants.length < BATCH) return total;
  }
}

/** The PDF of an attendance certificate, with the event's title in the certificate's language. */
async function attendancePdf(db: Executor, row: AttendanceRow, site: Site) {
  const locale: Locale = isLocale(row.language) ? row.language : 'en';
  const facts = {
    ...row, event_title: localText(row.event_english_title, row.translations, 'title', locale).text,
    organisers: await organisersOf(db, row.item_id),
  };
  return { facts, pdf: await renderAttendanceCertificate(facts, { code: row.code, url: verificationUrl(site.baseUrl, row.code) }) };
}

/** The message carrying an attendance certificate, in its language and the organisers' wording. */
async function certificateMail(
  db: Executor, facts: AttendanceRow & { event_title: string }, pdf: Buffer, site: Site, reissued: boolean,
): Promise<OutgoingMail> {
  const locale = isLocale(facts.language) ? facts.language : 'en';
  const t = translator(locale);
  const url = verificationUrl(site.baseUrl, facts.code);
  return composeMail(db, {
    kind: 'certificate', owner: { eventId: facts.event_id }, locale, to: facts.email, itemId: facts.item_id,
    fields: { name: facts.name, title: facts.event_title, verify_link: url },
    actions: [{ lead: t('certificates.mail.verify'), label: t('mailTemplates.layout.verifyButton'), url }],
    notes: reissued ? [t('certificates.mail.reissued', { title: facts.event_title })] : [],
    attachments: [{
      filename: `certificate-${facts.slug}.pdf`, contentType: 'application/pdf',
      content: pdf.toString('base64'), encoding: 'base64' as const,
    }],
  });
}

/**
 * Mails a batch of issued certificates not mailed yet; returns how many this call queued. Each is
 * drawn first, then queued in a transaction that marks it mailed only if nobody has: once each.
 */
export async function mailIssued(db: Database, site: Site, eventId?: number): Promise<number> {
  const rows = await unmailedAttendance(db, BATCH, eventId);
  let queued = 0;
  for (const row of rows) {
    const { facts, pdf } = await attendancePdf(db, row, site);
    const sent = await db.transaction().execute(async (trx) => {
      const marked = await trx.updateTable('certificates').set({ mailed_at: new Date() })
        .where('id', '=', row.id).where('mailed_at', 'is', null).where('revoked_at', 'is', null)
        .returning('id').executeTakeFirst();
      if (!marked) return false;
      await queueMail(trx, await certificateMail(trx, facts, pdf, site, false), site.domain);
      return true;
    });
    if (sent) queued++;
  }
  return queued;
}

/** One round of the certificate worker: issue what is owed, then mail it. */
export async function runCertificates(db: Database, site: Site, now: Date, eventId?: number) {
  let issued = 0;
  let mailed = 0;
  for (let n = BATCH; n === BATCH;) issued += n = await issueAttendance(db, now, eventId);
  for (let n = BATCH; n === BATCH;) mailed += n = await mailIssued(db, site, eventId);
  const awards = eventId === undefined ? await issueAwards(db) : 0;
  return { issued, mailed, awards };
}

export type CertificateSettings = { enabled: boolean; hours: number | null };

export async function saveSettings(db: Database, user: CurrentUser, event: CertificateEvent, settings: CertificateSettings) {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('events').set({ certificates_enabled: settings.enabled, cpd_hours: settings.hours, updated_at: new Date() })
      .where('id', '=', event.id).execute();
    await recordAudit(trx, user.id, 'event.certificates', 'event', event.id, {
      certificates_enabled: { from: event.certificates_enabled, to: settings.enabled },
      cpd_hours: { from: event.cpd_hours, to: settings.hours },
    }, event.item_id);
  });
}

/** Issues and mails an ended event's certificates now, rather than at the worker's next round. */
export async function issueNow(db: Database, site: Site, event: CertificateEvent, now = new Date()) {
  if (!event.certificates_enabled) throw Refusal.conflict('certificates.errors.notEnabled');
  const held = event.status === 'published' || event.status === 'closed';
  if (event.ends_at > now || !held) throw Refusal.conflict('certificates.errors.notEnded');
  return runCertificates(db, site, now, event.id);
}

/**
 * Reissues a participant's certificate (a corrected name, or one revoked by mistake): the old one
 * is revoked if it was not, a new one with a new code replaces it and is mailed, in one transaction.
 */
export async function reissue(db: Database, user: CurrentUser, site: Site, event: CertificateEvent, registrationId: number, name: string) {
  const code = newCertificateCode();
  await db.transaction().execute(async (trx) => {
    const old = await latestCertificateFor(trx, event.id, registrationId);
    if (!old) throw Refusal.conflict('certificates.errors.noCertificate');
    // Its page then says it was replaced (a later certificate `replaces` it).
    if (!old.revoked_at) await trx.updateTable('certificates').set({ revoked_at: new Date() }).where('id', '=', old.id).execute();
    const { id } = await trx.insertInto('certificates').values({
      code, kind: 'attendance', registration_id: registrationId, name, language: old.language, hours: old.hours,
      replaces: old.id, mailed_at: new Date(),
    }).returning('id').executeTakeFirstOrThrow();
    const row = await attendanceRow(trx, id);
    const { facts, pdf } = await attendancePdf(trx, row, site);
    await queueMail(trx, await certificateMail(trx, facts, pdf, site, true), site.domain);
    await recordAudit(trx, user.id, 'certificate.reissue', 'certificate', id, {
      replaces: old.id, name: { from: old.name, to: name }, registration_id: registrationId,
    }, event.item_id);
  });
}

/** Revokes a participant's live certificate: its page says so from now on. */
export async function revoke(db: Database, user: CurrentUser, event: CertificateEvent, registrationId: number, reason: string) {
  await db.transaction().execute(async (trx) => {
    const live = await latestCertificateFor(trx, event.id, registrationId, true);
    if (!live) throw Refusal.conflict('certificates.errors.noLiveCertificate');
    await trx.updateTable('certificates').set({ revoked_at: new Date(), revoked_reason: reason || null })
      .where('id', '=', live.id).execute();
    await recordAudit(trx, user.id, 'certificate.revoke', 'certificate', live.id, { reason, registration_id: registrationId },
      event.item_id);
  });
}
