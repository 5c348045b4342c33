import { type Message, message } from '../../lib/i18n.ts';

/*
 * The narrative placeholder language: `{{metric ref key=value | format}}`.
 * Parsed by hand into plain data and resolved against rows; nothing in a narrative is ever
 * evaluated as code. Syntax errors are reported per placeholder so the rest of the text renders.
 */

export type MetricName =
  | 'attendance' | 'registrations'
  | 'delegations' | 'members' | 'visits' | 'hosts'
  | 'entries' | 'awards'
  | 'figure'
  | 'items' | 'item-list'
  | 'survey-responses' | 'survey-satisfied' | 'survey-average';

export type FormatName = 'words' | 'about' | 'over' | 'hkd' | 'the';

type MetricSpec = { ref: 'event' | 'programme' | 'contest' | 'figure' | null; filters: readonly string[] };

export const METRICS: Record<MetricName, MetricSpec> = {
  attendance: { ref: 'event', filters: ['side'] },
  registrations: { ref: 'event', filters: ['side'] },
  delegations: { ref: 'programme', filters: ['from', 'to'] },
  members: { ref: 'programme', filters: ['from', 'role'] },
  visits: { ref: 'programme', filters: ['from', 'to', 'on'] },
  hosts: { ref: 'programme', filters: ['from', 'to', 'on'] },
  entries: { ref: 'contest', filters: ['side', 'category'] },
  awards: { ref: 'contest', filters: ['tier', 'major', 'side'] },
  figure: { ref: 'figure', filters: ['item'] },
  items: { ref: null, filters: ['status', 'new'] },
  'item-list': { ref: null, filters: ['status', 'new'] },
  // The event's survey: submitted responses; the share who rated 4 or 5 and the average rating of
  // its first rating question, or of the rating question at position `question`.
  'survey-responses': { ref: 'event', filters: [] },
  'survey-satisfied': { ref: 'event', filters: ['question'] },
  'survey-average': { ref: 'event', filters: ['question'] },
};

const FORMATS: readonly FormatName[] = ['words', 'about', 'over', 'hkd', 'the'];

/** What a metric's reference names, as a value of a message about it (a key alone would be taken as text). */
export const REFERENCE_KINDS: Record<NonNullable<MetricSpec['ref']>, Message> = {
  event: { key: 'manage.placeholder.kind.event' }, programme: { key: 'manage.placeholder.kind.programme' },
  contest: { key: 'manage.placeholder.kind.contest' }, figure: { key: 'manage.placeholder.kind.figure' },
};

export type Placeholder = {
  raw: string;
  metric: MetricName;
  ref: string | null;
  filters: Record<string, string>;
  formats: FormatName[];
};

export type NarrativePart =
  | { kind: 'text'; text: string }
  | { kind: 'placeholder'; placeholder: Placeholder }
  | { kind: 'invalid'; raw: string; error: Message };

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function isMetric(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}

export function parsePlaceholder(raw: string, body: string): NarrativePart {
  const invalid = (error: Message): NarrativePart => ({ kind: 'invalid', raw, error });
  const [head = '', ...formatParts] = body.split('|').map((s) => s.trim());
  const tokens = head.split(/\s+/).filter(Boolean);
  const metric = tokens.shift();
  if (!metric) return invalid('manage.placeholder.empty');
  if (!isMetric(metric)) return invalid(message('manage.placeholder.unknownMetric', { metric, known: Object.keys(METRICS).join(', ') }));
  const spec = METRICS[metric];
  let ref: string | null = null;
  const filters: Record<string, string> = {};
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq === -1) {
      if (ref !== null || spec.ref === null) return invalid(message('manage.placeholder.unexpected', { token, metric }));
      if (!TOKEN.test(token)) return invalid(message('manage.placeholder.badReference', { token, kind: REFERENCE_KINDS[spec.ref] }));
      ref = token;
      continue;
    }
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (!spec.filters.includes(key)) {
      const allowed = spec.filters.length ? spec.filters.join(', ') : { key: 'manage.placeholder.none' } as const;
      return invalid(message('manage.placeholder.noFilter', { metric, filter: key, allowed }));
    }
    if (!TOKEN.test(value)) return invalid(message('manage.placeholder.filterValue', { filter: key }));
    filters[key] = value;
  }
  if (spec.ref !== null && ref === null) {
    return invalid(message('manage.placeholder.needsReference', { metric, kind: REFERENCE_KINDS[spec.ref] }));
  }
  const formats: FormatName[] = [];
  for (const f of formatParts) {
    if (!(FORMATS as readonly string[]).includes(f)) {
      return invalid(message('manage.placeholder.unknownFormat', { format: f, known: FORMATS.join(', ') }));
    }
    formats.push(f as FormatName);
  }
  return { kind: 'placeholder', placeholder: { raw, metric, ref, filters, formats } };
}

export function parseNarrative(text: string): NarrativePart[] {
  const parts: NarrativePart[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const index = match.index;
    if (index > last) parts.push({ kind: 'text', text: text.slice(last, index) });
    parts.push(parsePlaceholder(match[0], match[1] ?? ''));
    last = index + match[0].length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Number formatting, in the house style of the published summaries: in English "about 200",
// "five", "HK$8.3 million"; in Chinese 約200, 5, 港幣830萬元 (a narrative writes 約200人).

/** The summary's languages; Chinese figures read the same in both scripts but for a few characters. */
export type SummaryLocale = 'en' | 'zh-Hant' | 'zh-Hans';

const ZH_WORDS = {
  'zh-Hant': { about: '約', over: '超過', hkd: '港幣', tenThousand: '萬', hundredMillion: '億', yuan: '元', and: '及' },
  'zh-Hans': { about: '约', over: '超过', hkd: '港币', tenThousand: '万', hundredMillion: '亿', yuan: '元', and: '及' },
} as const;

const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven',
  'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty'];

/** Digits, with a space between thousands from 10 000 up ("112 000", but "2019"). */
export function formatNumber(n: number): string {
  const rounded = Math.round(n * 100) / 100;
  const [int = '0', frac] = Math.abs(rounded).toString().split('.');
  const grouped = int.length >= 5 ? int.replace(/\B(?=(\d{3})+(?!\d))/g, ' ') : int;
  return `${rounded < 0 ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}

/** The rounding unit for approximate figures: two significant figures, never below one. */
function roundingStep(n: number): number {
  const digits = Math.floor(Math.log10(Math.max(1, Math.abs(n)))) + 1;
  return 10 ** Math.max(0, digits - 2);
}

export function formatHkd(n: number, locale: SummaryLocale = 'en'): string {
  if (locale !== 'en') {
    const w = ZH_WORDS[locale];
    if (n >= 100_000_000) return `${w.hkd}${trimDecimal(n / 100_000_000)}${w.hundredMillion}${w.yuan}`;
    if (n >= 10_000) return `${w.hkd}${trimDecimal(n / 10_000)}${w.tenThousand}${w.yuan}`;
    return `${w.hkd}${Math.round(n * 100) / 100}${w.yuan}`;
  }
  if (n >= 1_000_000_000) return `HK$${trimDecimal(n / 1_000_000_000)} billion`;
  if (n >= 1_000_000) return `HK$${trimDecimal(n / 1_000_000)} million`;
  return `HK$${formatNumber(n)}`;
}

function trimDecimal(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

export function formatValue(value: number, formats: readonly FormatName[], locale: SummaryLocale = 'en'): string {
  if (formats.includes('hkd')) return formatHkd(value, locale);
  const zh = locale === 'en' ? null : ZH_WORDS[locale];
  const plain = (n: number) => (zh ? String(Math.round(n * 100) / 100) : formatNumber(n));
  if (formats.includes('about')) {
    const step = roundingStep(value);
    const rounded = Math.round(value / step) * step;
    return zh ? `${zh.about}${plain(rounded)}` : `about ${formatNumber(rounded)}`;
  }
  if (formats.includes('over')) {
    const step = roundingStep(value);
    const below = Math.max(0, Math.ceil(value / step) * step - step);
    return zh ? `${zh.over}${plain(below)}` : `over ${formatNumber(below)}`;
  }
  if (!zh && formats.includes('words') && Number.isInteger(value) && value >= 0 && value < WORDS.length) {
    return WORDS[value] ?? formatNumber(value);
  }
  return plain(value);
}

/** "(1), (2) and (3)" as the summaries write lists of item numbers: with a serial comma. */
export function formatItemList(numbers: readonly number[], locale: SummaryLocale = 'en'): string {
  const labels = numbers.map((n) => `(${n})`);
  if (locale !== 'en') return joinChinese(labels, locale);
  if (labels.length <= 1) return labels.join('');
  if (labels.length === 2) return `${labels[0]} and ${labels[1]}`;
  return `${labels.slice(0, -1).join(', ')}, and ${labels.at(-1)}`;
}

/** Names as prose: "A", "A and B", "A, B and C"; `the` puts the article before each name. */
export function formatNameList(names: readonly string[], formats: readonly FormatName[] = [], locale: SummaryLocale = 'en'): string {
  if (locale !== 'en') return joinChinese(names, locale);
  const labels = formats.includes('the') ? names.map((n) => `the ${n}`) : [...names];
  if (labels.length <= 1) return labels.join('');
  return `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`;
}

/** 甲、乙及丙 */
function joinChinese(labels: readonly string[], locale: 'zh-Hant' | 'zh-Hans'): string {
  if (labels.length <= 1) return labels.join('');
  return `${labels.slice(0, -1).join('、')}${ZH_WORDS[locale].and}${labels.at(-1)}`;
}

const SENTENCE_ENDS = '.!?:';
const CLOSING_QUOTES = '"”\')';
/** Whitespace as `\s` and trim() mean it. */
const isSpace = (c: string) => c.trim() === '';

/**
 * A figure that opens a sentence is capitalised ("About 100 participants ..."): after nothing,
 * after a line break, or after a sentence's end and a space. Read backwards from the end: an
 * expression anchored at the end would try again from every space of a long run (quadratic).
 */
export function startsSentence(before: string): boolean {
  let i = before.length - 1;
  for (; i >= 0 && isSpace(before.charAt(i)); i--) {
    if (before.charAt(i) === '\n') return true;
  }
  if (i < 0) return true;
  if (i === before.length - 1) return false;
  const last = before.charAt(i);
  const end = CLOSING_QUOTES.includes(last) ? before.charAt(i - 1) : last;
  return end !== '' && SENTENCE_ENDS.includes(end);
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
