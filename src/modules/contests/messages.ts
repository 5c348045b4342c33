import { formatFor } from '../../lib/format.ts';
import { type Locale, translator } from '../../lib/i18n.ts';
import type { OutgoingMail } from '../mail/outbox.ts';

/*
 * The mails that keep judges and entrants informed as a contest moves on. Each is one function of
 * the values it lists, already in the reader's language (titles and award names are resolved by
 * the caller); the words are catalogue keys under `contestMail.*`.
 */

/** What every mail to a judge names: who, in which language, and the round of which contest. */
export type JudgeMailValues = {
  to: string; locale: Locale; name: string; contest: string; round: string; itemId: number;
  /** The judge's page, where entries are declared and scored. */
  judgingUrl: string;
};

/** What every mail to an entrant names: the entry, in the language it was made in. */
export type EntrantMailValues = {
  to: string; locale: Locale; name: string; reference: string; title: string; contest: string; itemId: number;
};

const closing = (locale: Locale, closesAt: Date | null) =>
  (closesAt ? [translator(locale)('contestMail.judge.closesAt', { time: formatFor(locale).dateTime(closesAt) }), ''] : []);

function judgeMail(v: JudgeMailValues, subject: string, lines: string[]): OutgoingMail {
  const t = translator(v.locale);
  const text = [t('contestMail.greeting', { name: v.name }), '', ...lines, t('contestMail.judge.link'), v.judgingUrl, '',
    t('participant.mail.signature')].join('\n');
  return { to: v.to, subject, text: `${text}\n`, itemId: v.itemId };
}

function entrantMail(v: EntrantMailValues, subject: string, lines: string[]): OutgoingMail {
  const t = translator(v.locale);
  const text = [t('contestMail.greeting', { name: v.name }), '', ...lines, t('participant.mail.signature')].join('\n');
  return { to: v.to, subject, text: `${text}\n`, itemId: v.itemId };
}

/** Entries assigned to a judge in a round, the first time: how many, and when the round closes. */
export function judgeAssignedMail(v: JudgeMailValues & { count: number; closesAt: Date | null }): OutgoingMail {
  const t = translator(v.locale);
  return judgeMail(v, t('contestMail.judge.assigned.subject', { round: v.round, contest: v.contest }), [
    t('contestMail.judge.assigned.body', { round: v.round, contest: v.contest, count: v.count }), '', ...closing(v.locale, v.closesAt),
  ]);
}

/** More entries assigned to a judge in a round they were already told of: how many more, and how many in all. */
export function judgeMoreAssignedMail(v: JudgeMailValues & { added: number; total: number; closesAt: Date | null }): OutgoingMail {
  const t = translator(v.locale);
  return judgeMail(v, t('contestMail.judge.more.subject', { round: v.round, contest: v.contest }), [
    t('contestMail.judge.more.body', { round: v.round, contest: v.contest, added: v.added, total: v.total }), '',
    ...closing(v.locale, v.closesAt),
  ]);
}

/** A reminder to a judge with sheets not yet submitted: how many of how many, and when the round closes. */
export function judgeReminderMail(v: JudgeMailValues & { unfinished: number; total: number; closesAt: Date | null }): OutgoingMail {
  const t = translator(v.locale);
  return judgeMail(v, t('contestMail.judge.reminder.subject', { round: v.round, contest: v.contest }), [
    t('contestMail.judge.reminder.body', { round: v.round, contest: v.contest, unfinished: v.unfinished, total: v.total }), '',
    ...closing(v.locale, v.closesAt),
  ]);
}

/** A round has closed; `next` is the round that follows, if any. */
export function judgeRoundClosedMail(v: JudgeMailValues & { next: string | null }): OutgoingMail {
  const t = translator(v.locale);
  return judgeMail(v, t('contestMail.judge.closed.subject', { round: v.round, contest: v.contest }), [
    t('contestMail.judge.closed.body', { round: v.round, contest: v.contest }), '',
    ...(v.next ? [t('contestMail.judge.closed.next', { next: v.next }), ''] : []),
  ]);
}

/** A round has opened, to a judge of the panel with no entries in it yet. */
export function judgeRoundOpenedMail(v: JudgeMailValues & { closesAt: Date | null }): OutgoingMail {
  const t = translator(v.locale);
  return judgeMail(v, t('contestMail.judge.opened.subject', { round: v.round, contest: v.contest }), [
    t('contestMail.judge.opened.body', { round: v.round, contest: v.contest }), '', ...closing(v.locale, v.closesAt),
  ]);
}

/** The entry was chosen in `from` and goes on to `round`. */
export function entrantAdvancedMail(v: EntrantMailValues & { from: string; round: string }): OutgoingMail {
  const t = translator(v.locale);
  return entrantMail(v, t('contestMail.entrant.advanced.subject', { reference: v.reference, round: v.round }), [
    t('contestMail.entrant.advanced.body', {
      title: v.title, reference: v.reference, contest: v.contest, from: v.from, round: v.round,
    }), '',
  ]);
}

/** The entry was not chosen in `round` to go on. */
export function entrantNotAdvancedMail(v: EntrantMailValues & { round: string }): OutgoingMail {
  const t = translator(v.locale);
  return entrantMail(v, t('contestMail.entrant.notAdvanced.subject', { reference: v.reference, contest: v.contest }), [
    t('contestMail.entrant.notAdvanced.body', { title: v.title, reference: v.reference, contest: v.contest, round: v.round }), '',
  ]);
}

/** The results are published and the entry won `award`; its certificate's page and the results page. */
export function entrantAwardedMail(v: EntrantMailValues & { award: string; certificateUrl: string; resultsUrl: string }): OutgoingMail {
  const t = translator(v.locale);
  return entrantMail(v, t('contestMail.entrant.awarded.subject', { reference: v.reference, award: v.award }), [
    t('contestMail.entrant.awarded.body', { title: v.title, reference: v.reference, contest: v.contest, award: v.award }), '',
    t('contestMail.entrant.certificate'), v.certificateUrl, '',
    t('contestMail.entrant.results'), v.resultsUrl, '',
  ]);
}

/** The results are published and the entry won nothing: thanks, and the results page. */
export function entrantThankedMail(v: EntrantMailValues & { resultsUrl: string }): OutgoingMail {
  const t = translator(v.locale);
  return entrantMail(v, t('contestMail.entrant.thanked.subject', { contest: v.contest }), [
    t('contestMail.entrant.thanked.body', { title: v.title, reference: v.reference, contest: v.contest }), '',
    t('contestMail.entrant.results'), v.resultsUrl, '',
  ]);
}
