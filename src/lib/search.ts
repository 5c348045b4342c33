import { type RawBuilder, sql, type SqlBool } from 'kysely';

/*
 * Search of an event's registrations by part of a name, an email address or an organisation,
 * answered by the trigram index registrations_search_idx (migrations/2026-12-04T08-00_search-index.ts),
 * which joins the three fields with U+001F: the expression here must be the index's, to the
 * character, or the planner cannot use it.
 *
 * Three characters or more (陳大文, chan) are looked up by their trigrams. One or two (陳,
 * 大文, li) have no trigram to look up: the same index then yields the event's registrations
 * by its first column, and the text is matched on those alone. Either way the cost follows the
 * event, never the whole table; the lists that show the matches stop at a page of them.
 */

/** What a person typed, as searched: control characters (U+001F among them) dropped, `%` and `_` meant literally. */
function pattern(query: string): string {
  const printable = Array.from(query).filter((c) => c.charCodeAt(0) > 0x1f && c !== '\u007f').join('');
  const text = printable.replace(/[\\%_]/g, (c) => `\\${c}`);
  return `%${text}%`;
}

/** A registration (under `alias`, or the table itself) whose name, email or organisation contains `query`. */
export function registrationMatches(query: string, alias?: string): RawBuilder<SqlBool> {
  const column = (name: string) => sql.ref(alias ? `${alias}.${name}` : name);
  const text = sql`(${column('name')} || E'\\x1f' || ${column('email')} || E'\\x1f' || ${column('organisation')})`;
  return sql<SqlBool>`${text} ilike ${pattern(query)}`;
}
