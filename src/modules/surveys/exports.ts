import type { Executor } from '../../db/index.ts';
import type { Cell } from '../../lib/csv.ts';
import { questionsOf, submittedAnswers, submittedResponses } from './queries.ts';

const hongKongStamp = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Hong_Kong', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
});

/**
 * The responses as a table, one row per response and one column per question, in English (an
 * export is a record): ratings as numbers, choices by their English text, free text as written.
 * No name or address: the answers are read apart from who gave them.
 */
export async function exportTable(db: Executor, eventId: number): Promise<{ header: string[]; rows: Cell[][] }> {
  const [questions, responses, answers] = await Promise.all([
    questionsOf(db, eventId), submittedResponses(db, eventId), submittedAnswers(db, eventId),
  ]);
  type Row = (typeof answers)[number];
  const byResponse = new Map<number, Map<number, Row>>();
  for (const a of answers) {
    const mine = byResponse.get(a.response_id) ?? new Map<number, Row>();
    mine.set(a.question_id, a);
    byResponse.set(a.response_id, mine);
  }
  const header = ['Response', 'Submitted (HK time)', 'Language', ...questions.map((q) => `${q.position}. ${q.prompt}`)];
  const rows = responses.map((r, i): Cell[] => [
    i + 1, r.submitted_at ? hongKongStamp.format(r.submitted_at) : '', r.language,
    ...questions.map((q): Cell => {
      const a = byResponse.get(r.id)?.get(q.id);
      if (!a) return '';
      if (a.rating !== null) return a.rating;
      if (a.choices !== null) return a.choices.map((c) => q.options[c] ?? '').join('; ');
      return a.text ?? '';
    }),
  ]);
  return { header, rows };
}
