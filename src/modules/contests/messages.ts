import type { Executor } from '../../db/index.ts';
import { formatFor } from '../../lib/format.ts';
import { type Locale, translator } from '../../lib/i18n.ts';
import type { OutgoingMail } from '../mail/outbox.ts';
import { catalogueMail, composeMail, type MailAction } from '../mail/templates.ts';

/*
 * The mails that keep judges and entrants informed as a contest moves on, each in the reader's
 * language (titles and award names are resolved by the caller). Those organisers may reword go
 * through the contest's templates (src/modules/mail/templates.ts): `judgeAssigned` (more entries
 * assigned too, with a note), `judgeReminder` and `results` (an award or thanks). A round opened
 * or closed and an entry going on or not have no kind: their words are catalogue keys under
 * `contestMail.*`, in the same frame.
 */

/** What every mail to a judge names: who, in which language, and the round of which contest. */
export type JudgeMailValues = {
  to: string; locale: Locale; name: string; contestId: number; contest: string; round: string; itemId: number;
  /** The judge's page, where entries are declared and scored. */
  judgingUrl: string;
  closesAt: Date | null;
};

/** What every mail to an entrant names: the entry, in the language it was made in. */
export type EntrantMailValues = {
  to: string; locale: Locale; name: string; reference: string; title: string; contestId: number; contest: string; itemId: number;
};

const judgeAction = (v: JudgeMailValues): MailAction => {
  const t = translator(v.locale);
  return { lead: t('contestMail.judge.link'), label: t('mailTemplates.layout.judgeButton'), url: v.judgingUrl };
};

/** The round's closing time, as a line of facts. */
const closingFacts = (v: JudgeMailValues) =>
  (v.closesAt ? [translator(v.locale)('contestMail.judge.closesAt', { time: formatFor(v.locale).dateTime(v.closesAt) })] : []);

/** A judge's mail of a kind organisers may reword; `count` is the number of entries it speaks of. */
function judgeTemplateMail(
  db: Executor, kind: 'judgeAssigned' | 'judgeReminder', v: JudgeMailValues, count: number, notes: string[] = [],
): Promise<OutgoingMail> {
  const t = translator(v.locale);
  return composeMail(db, {
    kind, owner: { contestId: v.contestId }, locale: v.locale, to: v.to, itemId: v.itemId,
    fields: {
      name: v.name, title: v.contest, round: v.round, count: String(count), judge_link: v.judgingUrl,
      closes: v.closesAt ? formatFor(v.locale).dateTime(v.closesAt) : t('contestMail.judge.noClosingTime'),
    },
    facts: closingFacts(v), actions: [judgeAction(v)], notes,
  });
}

/** A judge's mail worded by the catalogue alone. */
function judgeCatalogueMail(v: JudgeMailValues, subject: string, body: string[], facts: string[] = []): OutgoingMail {
  const t = translator(v.locale);
  return catalogueMail({
    locale: v.locale, to: v.to, itemId: v.itemId, heading: v.contest, subject,
    body: [t('contestMail.greeting', { name: v.name }), ...body].join('\n\n'), facts, actions: [judgeAction(v)],
  });
}

/** An entrant's mail worded by the catalogue alone. */
function entrantCatalogueMail(v: EntrantMailValues, subject: string, body: string): OutgoingMail {
  const t = translator(v.locale);
  return catalogueMail({
    locale: v.locale, to: v.to, itemId: v.itemId, heading: v.contest, subject,
    body: `${t('contestMail.greeting', { name: v.name })}\n\n${body}`,
  });
}

/** Entries assigned to a judge in a round, the first time: how many, and when the round closes. */
export function judgeAssignedMail(db: Executor, v: JudgeMailValues & { count: number }): Promise<OutgoingMail> {
  return judgeTemplateMail(db, 'judgeAssigned', v, v.count);
}

/** More entries assigned to a judge in a round they were already told of: how many in all, and (a note) how many are new. */
export function judgeMoreAssignedMail(db: Executor, v: JudgeMailValues & { added: number; total: number }): Promise<OutgoingMail> {
  const t = translator(v.locale);
  return judgeTemplateMail(db, 'judgeAssigned', v, v.total, [t('contestMail.judge.more', { added: v.added, total: v.total })]);
}

/** A reminder to a judge with sheets not yet submitted: how many of how many, and when the round closes. */
export function judgeReminderMail(db: Executor, v: JudgeMailValues & { unfinished: number; total: number }): Promise<OutgoingMail> {
  const t = translator(v.locale);
  return judgeTemplateMail(db, 'judgeReminder', v, v.unfinished, [
    t('contestMail.judge.unfinished', { unfinished: v.unfinished, total: v.total }),
  ]);
}

/** A round has closed; `next` is the round that follows, if any. */
export function judgeRoundClosedMail(v: JudgeMailValues & { next: string | null }): OutgoingMail {
  const t = translator(v.locale);
  return judgeCatalogueMail(v, t('contestMail.judge.closed.subject', { round: v.round, contest: v.contest }), [
    t('contestMail.judge.closed.body', { round: v.round, contest: v.contest }),
    ...(v.next ? [t('contestMail.judge.closed.next', { next: v.next })] : []),
  ]);
}

/** A round has opened, to a judge of the panel with no entries in it yet. */
export function judgeRoundOpenedMail(v: JudgeMailValues): OutgoingMail {
  const t = translator(v.locale);
  return judgeCatalogueMail(v, t('contestMail.judge.opened.subject', { round: v.round, contest: v.contest }), [
    t('contestMail.judge.opened.body', { round: v.round, contest: v.contest }),
  ], closingFacts(v));
}

/** The entry was chosen in `from` and goes on to `round`. */
export function entrantAdvancedMail(v: EntrantMailValues & { from: string; round: string }): OutgoingMail {
  const t = translator(v.locale);
  return entrantCatalogueMail(v, t('contestMail.entrant.advanced.subject', { reference: v.reference, round: v.round }),
    t('contestMail.entrant.advanced.body', { title: v.title, reference: v.reference, contest: v.contest, from: v.from, round: v.round }));
}

/** The entry was not chosen in `round` to go on. */
export function entrantNotAdvancedMail(v: EntrantMailValues & { round: string }): OutgoingMail {
  const t = translator(v.locale);
  return entrantCatalogueMail(v, t('contestMail.entrant.notAdvanced.subject', { reference: v.reference, contest: v.contest }),
    t('contestMail.entrant.notAdvanced.body', { title: v.title, reference: v.reference, contest: v.contest, round: v.round }));
}

/**
 * The results are published, in the organisers' wording of `results`: the award the entry won
 * (a field and a note) with its certificate's page, or thanks; and the results page.
 */
export function entrantResultsMail(
  db: Executor, v: EntrantMailValues & { award: string | null; certificateUrl: string | null; resultsUrl: string },
): Promise<OutgoingMail> {
  const t = translator(v.locale);
  const actions: MailAction[] = [];
  if (v.award !== null && v.certificateUrl) {
    actions.push({ lead: t('contestMail.entrant.certificate'), label: t('mailTemplates.layout.verifyButton'), url: v.certificateUrl });
  }
  actions.push({ lead: t('contestMail.entrant.results'), label: t('mailTemplates.layout.resultsButton'), url: v.resultsUrl });
  return composeMail(db, {
    kind: 'results', owner: { contestId: v.contestId }, locale: v.locale, to: v.to, itemId: v.itemId,
    fields: {
      name: v.name, title: v.contest, entry_title: v.title, reference: v.reference, results_link: v.resultsUrl,
      award: v.award ?? '', certificate_link: v.award !== null ? v.certificateUrl ?? '' : '',
    },
    actions,
    notes: [v.award !== null ? t('contestMail.entrant.awarded', { award: v.award }) : t('contestMail.entrant.thanked')],
  });
}
