import type { Cell } from '../../lib/csv.ts';
import { format } from '../../lib/format.ts';
import type { XlsxColumn } from '../../lib/xlsx.ts';
import type { programmeMembers } from './queries.ts';

/*
 * The delegation list as rows, for the CSV and XLSX writers (which neutralise formulas). The
 * personal data of members under 18 is withheld unless the organiser asks for it.
 */

export const DELEGATION_LIST_COLUMNS: readonly XlsxColumn[] = [
  { header: 'Delegation', width: 36 },
  { header: 'Status', width: 12 },
  { header: 'From', width: 12 },
  { header: 'To', width: 12 },
  { header: 'Leading organisation', width: 36 },
  { header: 'Contact', width: 24 },
  { header: 'Contact email', width: 28 },
  { header: 'No.', width: 6 },
  { header: 'Name', width: 28 },
  { header: 'Title', width: 28 },
  { header: 'Organisation', width: 36 },
  { header: 'Role', width: 10 },
  { header: 'Under 18', width: 9 },
  { header: 'Guardian consent', width: 16 },
  { header: 'Checked in', width: 20 },
];

export const WITHHELD = 'Withheld (under 18)';

type MemberRow = Awaited<ReturnType<typeof programmeMembers>>[number];

export function* delegationListRows(members: readonly MemberRow[], includeMinors: boolean): Generator<Cell[]> {
  for (const m of members) {
    const withhold = m.is_minor && !includeMinors;
    yield [
      m.delegation, format.label(m.status), format.side(m.from_side), format.side(m.to_side), m.leading_organisation ?? '',
      m.contact_name, m.contact_email, m.position,
      withhold ? WITHHELD : m.name, withhold ? '' : m.title, m.organisation, format.label(m.role),
      m.is_minor ? 'yes' : 'no', m.is_minor ? (m.guardian_consent_at ? 'recorded' : 'missing') : '',
      m.checked_in_at ? format.dateTime(m.checked_in_at) : '',
    ];
  }
}
