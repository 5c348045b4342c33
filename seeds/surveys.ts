import type { Insertable } from 'kysely';
import type { SurveyAnswersTable, Translations } from '../src/db/types.ts';
import type { Tx } from './load.ts';
import { rngFor, shuffled, unusedTokenHash } from './people.ts';
import type { EventSpec } from './specs.ts';
import { DAY, daysAfterAt, hongKongIso, shift } from './time.ts';

/*
 * The demo's survey: the current year's first SME seminar, held in Guangzhou a few days ago,
 * asked those checked in what they thought, and most have answered. Item 3's narrative quotes
 * the share who found it useful, live from these answers.
 */

export const pastSeminarSlug = (period: string) => `sme-seminar-guangzhou-${period}`;

/** The seminar itself: over, with its attendance taken at the door. */
export function pastSeminar(period: string, now: Date): EventSpec {
  const startsAt = daysAfterAt(now, -12, '09:30');
  return {
    item: 3, slug: pastSeminarSlug(period), kind: 'seminar', status: 'closed', waitlist: false,
    title: 'Guangdong/Hong Kong Seminar on IP and the Development of SMEs (Guangzhou)',
    description: 'The first session of the year: valuing IP for bank loans, with cases from Guangdong and Hong Kong.',
    startsAt, endsAt: shift(startsAt, 3 * 3600_000), registrationOpensAt: shift(startsAt, -30 * DAY),
    registrationClosesAt: shift(startsAt, -DAY), city: 'Guangzhou', venue: 'Guangzhou Science City, Huangpu', capacity: 80,
    attendance: { registered: 64, cancelled: 3, checkedIn: 52, sides: { GD: 36, HK: 20, MO: 4, CN: 4 } },
  };
}

type QuestionSeed = {
  kind: 'rating' | 'single' | 'multiple' | 'text'; prompt: string; promptZh: string; options?: string[]; optionsZh?: string[];
  required: boolean;
};

const QUESTIONS: QuestionSeed[] = [
  { kind: 'rating', prompt: 'How useful did you find the seminar?', promptZh: '您認為研討會有多大用處？', required: true },
  {
    kind: 'single', prompt: 'Which session was most relevant to your work?', promptZh: '哪一節與您的工作最相關？', required: true,
    options: ['IP valuation for bank loans', 'Patent pledge financing in Guangdong', 'Case studies from SMEs'],
    optionsZh: ['知識產權估值與銀行貸款', '廣東專利質押融資', '中小企案例分享'],
  },
  {
    kind: 'multiple', prompt: 'Which topics would you like at future seminars?', promptZh: '您希望日後研討會涵蓋哪些題目？',
    required: false, options: ['Trademarks', 'Licensing', 'Enforcement across the border', 'IP insurance'],
    optionsZh: ['商標', '特許授權', '跨境執法', '知識產權保險'],
  },
  { kind: 'text', prompt: 'Any other comments?', promptZh: '其他意見', required: false },
];

/** Of 40 answers to the first question: 38 of 4 or 5, so 95% found the seminar useful. */
const RATINGS = [...Array<number>(26).fill(5), ...Array<number>(12).fill(4), 3, 2];
const COMMENTS = [
  'The bank speakers were very practical.', 'More time for questions, please.', '希望下次有更多案例分享。',
  'Useful contacts with valuers from Guangdong.', '講者內容實用。',
];

const zh = (fields: Record<string, string>): string => JSON.stringify({ 'zh-Hant': fields } satisfies Translations);

export async function insertSurveys(tx: Tx, period: string, now: Date): Promise<void> {
  const event = await tx.selectFrom('events').select(['id', 'ends_at']).where('slug', '=', pastSeminarSlug(period)).executeTakeFirst();
  if (!event || event.ends_at > now) return;
  const endsAt = event.ends_at.getTime();
  await tx.insertInto('surveys').values({
    event_id: event.id, status: 'open', closes_at: hongKongIso(new Date(endsAt + 14 * DAY)),
    intro: 'Thank you for coming. Four short questions help us plan the next seminar.',
    translations: zh({ intro: '多謝您出席。四條簡短問題有助我們籌劃下一次研討會。' }),
  }).execute();
  const questions = await tx.insertInto('survey_questions').values(QUESTIONS.map((q, i) => ({
    event_id: event.id, position: i + 1, kind: q.kind, prompt: q.prompt, options: JSON.stringify(q.options ?? []),
    required: q.required, translations: zh({ prompt: q.promptZh, ...(q.optionsZh ? { options: q.optionsZh.join('\n') } : {}) }),
  }))).returning(['id', 'kind']).execute();

  const rng = rngFor(`surveys:${period}`);
  const people = await tx.selectFrom('registrations').select(['id', 'language']).where('event_id', '=', event.id)
    .where('checked_in_at', 'is not', null).orderBy('id').execute();
  const answering = new Set(shuffled(rng, people.map((p) => p.id)).slice(0, RATINGS.length));
  const ratings = shuffled(rng, RATINGS);
  const invitedAt = hongKongIso(new Date(endsAt + 3_600_000));
  const since = Math.max(0, Math.min(5 * DAY, now.getTime() - endsAt - 2 * 3_600_000));
  let n = 0;
  for (const person of people) {
    const answers = answering.has(person.id);
    const submittedAt = answers ? hongKongIso(new Date(endsAt + 2 * 3_600_000 + Math.floor(rng() * since))) : null;
    const response = await tx.insertInto('survey_responses').values({
      event_id: event.id, registration_id: person.id, token_hash: unusedTokenHash(), language: person.language,
      invited_at: invitedAt, submitted_at: submittedAt,
    }).returning('id').executeTakeFirstOrThrow();
    if (!answers) continue;
    const rating = ratings[n++] ?? 5;
    await tx.insertInto('survey_answers').values(questions.flatMap((q, i): Insertable<SurveyAnswersTable>[] => {
      const base: Insertable<SurveyAnswersTable> = {
        response_id: response.id, question_id: q.id, event_id: event.id, rating: null, choices: null, text: null,
      };
      const options = QUESTIONS[i]?.options?.length ?? 0;
      switch (q.kind) {
        case 'rating': return [{ ...base, rating }];
        case 'single': return [{ ...base, choices: JSON.stringify([Math.floor(rng() * options)]) }];
        case 'multiple': {
          const chosen = [...Array(options).keys()].filter(() => rng() < 0.4);
          return chosen.length ? [{ ...base, choices: JSON.stringify(chosen) }] : [];
        }
        default: return rng() < 0.25 ? [{ ...base, text: COMMENTS[Math.floor(rng() * COMMENTS.length)] ?? null }] : [];
      }
    })).execute();
  }
}
