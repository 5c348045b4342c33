import type { Executor } from '../../db/index.ts';
import { catalogue, type Locale, type Message, message, type MessageKey, toSimplified, translator } from '../../lib/i18n.ts';
import type { MailAttachment, OutgoingMail } from './outbox.ts';
import { type MailOwner, storedTemplates, type TemplateRow } from './template-queries.ts';

/*
 * The messages people are sent about an event, programme or contest, which its organisers may
 * reword. Each kind has a subject and a body in each language, with merge fields written
 * `{{name}}`; the defaults are in the catalogue (src/i18n/<language>/mailTemplates.ts), and an
 * organiser's own wording is a row of mail_templates. Simplified Chinese that nobody wrote is
 * the Traditional converted by OpenCC, as for the catalogue.
 *
 * Every message goes as HTML with a plain-text alternative, in the same frame: the site's name
 * on a colour band, the item's title, the text, the facts (when, where), the QR ticket inline,
 * buttons for the links. Everything written by organisers or filled in from records is escaped;
 * no template can put markup into a message.
 */

export const MAIL_KINDS = [
  'confirmation', 'waitlisted', 'promoted', 'reminder', 'cancellation', 'invitation', 'approved', 'declined',
  'certificate', 'survey', 'entryReceived', 'results', 'judgeAssigned', 'judgeReminder',
] as const;
export type MailKind = (typeof MAIL_KINDS)[number];
export const isMailKind = (value: unknown): value is MailKind =>
  typeof value === 'string' && (MAIL_KINDS as readonly string[]).includes(value);

export const MERGE_FIELDS = [
  'name', 'title', 'when', 'where', 'manage_link', 'link', 'reason', 'verify_link', 'survey_link', 'closes',
  'entry_title', 'reference', 'results_link', 'round', 'count', 'judge_link', 'award', 'certificate_link',
] as const;
export type MergeField = (typeof MERGE_FIELDS)[number];
export type MergeValues = Partial<Record<MergeField, string>>;

/** Fields whose value is an address: a link in the HTML part. */
const LINK_FIELDS: ReadonlySet<string> = new Set([
  'manage_link', 'link', 'verify_link', 'survey_link', 'results_link', 'judge_link', 'certificate_link',
]);

const PLACE: readonly MergeField[] = ['name', 'title', 'when', 'where'];

/** The merge fields each kind of message offers. */
export const KIND_FIELDS: Record<MailKind, readonly MergeField[]> = {
  confirmation: [...PLACE, 'manage_link'],
  waitlisted: [...PLACE, 'manage_link'],
  promoted: [...PLACE, 'manage_link'],
  reminder: PLACE,
  cancellation: PLACE,
  invitation: [...PLACE, 'link', 'closes'],
  approved: [...PLACE, 'manage_link'],
  declined: ['name', 'title', 'reason'],
  certificate: ['name', 'title', 'verify_link'],
  survey: ['name', 'title', 'survey_link', 'closes'],
  entryReceived: ['name', 'title', 'entry_title', 'reference', 'manage_link'],
  results: ['name', 'title', 'entry_title', 'reference', 'results_link', 'award', 'certificate_link'],
  judgeAssigned: ['name', 'title', 'round', 'count', 'judge_link', 'closes'],
  judgeReminder: ['name', 'title', 'round', 'count', 'judge_link', 'closes'],
};

export type OwnerType = 'event' | 'programme' | 'contest';

/** The kinds that apply to each owner: only these are listed and edited. */
export const KINDS_OF: Record<OwnerType, readonly MailKind[]> = {
  event: ['confirmation', 'waitlisted', 'promoted', 'reminder', 'cancellation', 'invitation', 'approved', 'declined', 'certificate',
    'survey'],
  programme: ['confirmation', 'reminder', 'cancellation', 'invitation', 'approved', 'declined'],
  contest: ['entryReceived', 'results', 'judgeAssigned', 'judgeReminder'],
};

export const ownerType = (owner: MailOwner): OwnerType => ('eventId' in owner ? 'event' : 'programmeId' in owner ? 'programme' : 'contest');

export const SUBJECT_MAX = 200;
export const BODY_MAX = 5000;

// ---------------------------------------------------------------------------------------------
// The template language: text with {{field}}; nothing else is markup.

export type Piece = { text: string } | { field: MergeField };
export type Parsed = { ok: true; pieces: Piece[] } | { ok: false; error: Message };

const FIELD_NAME_MAX = 40;
const isFieldName = (name: string) => name.length > 0 && name.length <= FIELD_NAME_MAX
  && [...name].every((c) => c === '_' || (c >= 'a' && c <= 'z'));

/**
 * Reads a template, refusing broken markup (`{{` never closed, `}}` never opened, a name that is
 * no field's) and any field this kind does not offer. One pass over the text, with indexOf only.
 */
export function parseTemplate(source: string, allowed: readonly MergeField[]): Parsed {
  const pieces: Piece[] = [];
  let at = 0;
  for (;;) {
    const open = source.indexOf('{{', at);
    const close = source.indexOf('}}', at);
    if (close >= 0 && (open < 0 || close < open)) return { ok: false, error: 'mailTemplates.errors.stray' };
    if (open < 0) break;
    if (open > at) pieces.push({ text: source.slice(at, open) });
    const end = source.indexOf('}}', open + 2);
    if (end < 0) return { ok: false, error: 'mailTemplates.errors.unclosed' };
    const name = source.slice(open + 2, end).trim();
    if (name.includes('{{')) return { ok: false, error: 'mailTemplates.errors.unclosed' };
    if (!isFieldName(name)) return { ok: false, error: 'mailTemplates.errors.fieldName' };
    if (!(allowed as readonly string[]).includes(name)) {
      return { ok: false, error: message('mailTemplates.errors.unknownField', { field: name, known: allowed.join(', ') }) };
    }
    pieces.push({ field: name as MergeField });
    at = end + 2;
  }
  if (at < source.length) pieces.push({ text: source.slice(at) });
  return { ok: true, pieces };
}

const fillText = (pieces: readonly Piece[], values: MergeValues) =>
  pieces.map((p) => ('text' in p ? p.text : values[p.field] ?? '')).join('');

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')
    .replaceAll('\'', '&#39;');
}

const isWebAddress = (url: string) => url.startsWith('https://') || url.startsWith('http://');

const BRAND = '#0b3d5c';
const INK = '#1b1f24';
const MUTED = '#5b6470';
const FONT = 'font-family:Arial,\'Helvetica Neue\',Helvetica,\'PingFang HK\',\'Microsoft JhengHei\',sans-serif;';

const link = (url: string, label = url) =>
  `<a href="${escapeHtml(url)}" style="color:${BRAND};text-decoration:underline;word-break:break-all;">${escapeHtml(label)}</a>`;

/** The filled body in HTML: every piece escaped, addresses as links, blank lines as paragraphs. */
function fillHtml(pieces: readonly Piece[], values: MergeValues): string {
  const html = pieces.map((p) => {
    if ('text' in p) return escapeHtml(p.text);
    const value = values[p.field] ?? '';
    return LINK_FIELDS.has(p.field) && isWebAddress(value) ? link(value) : escapeHtml(value);
  }).join('');
  return paragraphs(html);
}

/** Escaped text split into paragraphs at blank lines, with its other line breaks kept. */
function paragraphs(escaped: string): string {
  return escaped.replaceAll('\r\n', '\n').split('\n\n').map((p) => p.trim()).filter(Boolean)
    .map((p) => `<p style="margin:0 0 16px;${FONT}font-size:16px;line-height:1.5;color:${INK};">${p.replaceAll('\n', '<br>')}</p>`)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// Composing a message.

/** A link the message offers: a sentence before it in the text, a button in the HTML. */
export type MailAction = { lead: string; label: string; url: string };

export type ComposeInput = {
  kind: MailKind;
  owner: MailOwner;
  locale: Locale;
  /** The merge fields' values; `title` is also the message's heading. */
  fields: MergeValues;
  to: string;
  /** A QR attachment with a `cid` is shown inline as the ticket. */
  attachments?: MailAttachment[];
  actions?: MailAction[];
  itemId?: number | null;
  /** Lines of facts after the text (when, where), written by the caller in the reader's language. */
  facts?: string[];
  /** Paragraphs after the links (what is attached, a deadline), in the reader's language. */
  notes?: string[];
};

export type TemplateTexts = { subject: string; body: string };

/** The catalogue's wording of a kind in a language. */
export function defaultTexts(kind: MailKind, locale: Locale): TemplateTexts {
  const texts = catalogue(locale);
  return {
    subject: texts[`mailTemplates.${kind}.subject` as MessageKey],
    body: texts[`mailTemplates.${kind}.body` as MessageKey],
  };
}

/**
 * The wording a message is sent in: the organiser's for that language; for Simplified Chinese
 * without its own, the organiser's Traditional converted; else the catalogue's.
 */
export function resolveTexts(rows: readonly TemplateRow[], kind: MailKind, locale: Locale): TemplateTexts & { customised: boolean } {
  const row = (language: string) => rows.find((r) => r.kind === kind && r.language === language);
  const own = row(locale);
  if (own) return { subject: own.subject, body: own.body, customised: true };
  const traditional = locale === 'zh-Hans' ? row('zh-Hant') : undefined;
  if (traditional) return { subject: toSimplified(traditional.subject), body: toSimplified(traditional.body), customised: true };
  return { ...defaultTexts(kind, locale), customised: false };
}

/**
 * A message of a kind about its owner, in the reader's language, with the organiser's wording if
 * there is one: what every sender queues with queueMail.
 */
export async function composeMail(db: Executor, input: ComposeInput): Promise<OutgoingMail> {
  const texts = resolveTexts(await storedTemplates(db, input.owner, input.kind), input.kind, input.locale);
  return renderMail(texts, input);
}

/**
 * The message from given wording. A stored wording that no longer reads (a field since taken
 * away) gives way to the default, so that a message always goes.
 */
export function renderMail(texts: TemplateTexts, input: Omit<ComposeInput, 'owner'>): OutgoingMail {
  const allowed = KIND_FIELDS[input.kind];
  let subject = parseTemplate(texts.subject, allowed);
  let body = parseTemplate(texts.body, allowed);
  if (!subject.ok || !body.ok) {
    const fallback = defaultTexts(input.kind, input.locale);
    subject = parseTemplate(fallback.subject, allowed);
    body = parseTemplate(fallback.body, allowed);
  }
  if (!subject.ok || !body.ok) throw new Error(`The default wording of ${input.kind} does not read`);
  return assemble(subject.pieces, body.pieces, input);
}

/**
 * A message in the same frame whose wording is the catalogue's alone, already filled in (a
 * security message, such as the link that confirms an address, which organisers do not reword).
 */
export function catalogueMail(input: Omit<ComposeInput, 'owner' | 'kind' | 'fields'> & { subject: string; body: string; heading: string }) {
  return assemble([{ text: input.subject }], [{ text: input.body }], { ...input, fields: { title: input.heading } });
}

function assemble(subject: readonly Piece[], body: readonly Piece[], input: Omit<ComposeInput, 'owner' | 'kind'>): OutgoingMail {
  const values = input.fields;
  const subjectText = fillText(subject, values).replace(/[\r\n]+/g, ' ').trim();
  const t = translator(input.locale);
  const actions = (input.actions ?? []).filter((a) => isWebAddress(a.url));
  const facts = input.facts ?? [];
  const notes = input.notes ?? [];
  const signature = t('participant.mail.signature');

  const text = [
    fillText(body, values).trim(),
    ...(facts.length ? [facts.join('\n')] : []),
    ...actions.map((a) => `${a.lead}\n${a.url}`),
    ...notes,
    signature,
  ].join('\n\n');

  const inline = (input.attachments ?? []).find((a) => 'qr' in a && a.cid)?.cid;
  const ticket = inline
    ? { cid: inline, alt: t('mailTemplates.layout.ticketAlt'), caption: t('mailTemplates.layout.ticketCaption') } : null;
  const html = layout({
    locale: input.locale, subject: subjectText, heading: values.title ?? '', body: fillHtml(body, values), facts, actions, notes,
    ticket, signature,
  });
  return {
    to: input.to, subject: subjectText, text, html,
    ...(input.attachments?.length ? { attachments: input.attachments } : {}), itemId: input.itemId ?? null,
  };
}

type Layout = {
  locale: Locale; subject: string; heading: string; body: string; facts: readonly string[]; actions: readonly MailAction[];
  notes: readonly string[]; ticket: { cid: string; alt: string; caption: string } | null; signature: string;
};

const row = (content: string, padding = '0 32px') => `<tr><td style="padding:${padding};">${content}</td></tr>`;

function button(action: MailAction): string {
  return `<p style="margin:0 0 8px;${FONT}font-size:14px;line-height:1.4;color:${MUTED};">${escapeHtml(action.lead)}</p>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 20px;"><tr>
<td style="background:${BRAND};border-radius:4px;" bgcolor="${BRAND}">
<a href="${escapeHtml(action.url)}" style="display:inline-block;padding:12px 20px;${FONT}font-size:16px;font-weight:bold;color:#ffffff;`
    + `text-decoration:none;">${escapeHtml(action.label)}</a></td></tr></table>`;
}

/**
 * The frame of every message: tables and inline styles for mail clients, real text throughout
 * (readable with images off), the language and direction on the root element.
 */
function layout(l: Layout): string {
  const facts = l.facts.length
    ? `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 20px;background:#f4f6f8;">
${l.facts.map((f) => `<tr><td style="padding:6px 16px;${FONT}font-size:15px;line-height:1.4;color:${INK};">${escapeHtml(f)}</td></tr>`)
    .join('\n')}
</table>` : '';
  const ticket = l.ticket
    ? `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 20px;"><tr><td align="center">
<img src="cid:${escapeHtml(l.ticket.cid)}" width="180" height="180" alt="${escapeHtml(l.ticket.alt)}" style="display:block;border:0;`
      + `width:180px;height:180px;${FONT}font-size:13px;color:${INK};">
<p style="margin:8px 0 0;${FONT}font-size:14px;color:${MUTED};">${escapeHtml(l.ticket.caption)}</p></td></tr></table>` : '';
  const notes = l.notes.map((n) => paragraphs(escapeHtml(n))).join('\n');
  return `<!DOCTYPE html>
<html lang="${l.locale}" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${escapeHtml(l.subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f4f6f8;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f6f8;" bgcolor="#f4f6f8">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background:#ffffff;`
    + `border:1px solid #d9dee4;" bgcolor="#ffffff">
<tr><td style="background:${BRAND};padding:14px 32px;${FONT}font-size:18px;font-weight:bold;color:#ffffff;" bgcolor="${BRAND}">`
    + `ipcoop</td></tr>
${row(`<h1 style="margin:0 0 20px;${FONT}font-size:22px;line-height:1.3;color:${INK};">${escapeHtml(l.heading)}</h1>`, '28px 32px 0')}
${row(l.body)}
${facts ? row(facts) : ''}
${ticket ? row(ticket) : ''}
${l.actions.length ? row(l.actions.map(button).join('\n')) : ''}
${notes ? row(notes) : ''}
${row(`<p style="margin:0;${FONT}font-size:13px;line-height:1.5;color:${MUTED};">${escapeHtml(l.signature)}</p>`,
    '16px 32px 24px;border-top:1px solid #d9dee4')}
</table>
</td></tr>
</table>
</body>
</html>
`;
}
