import type {
  ApplicantType, ContestKind, DelegationStatus, EventKind, EventStatus, FigureUnit, ItemStatus, MemberRole, Side,
} from '../src/db/types.ts';

/*
 * The shapes the seed data is written in: close to the tables, but referring to other rows by
 * their natural keys (organisation code, item number, entry reference) instead of ids.
 * Timestamps are ISO strings with an explicit +08:00 offset (Hong Kong time).
 */

export type OrganisationSpec = { code: string; name: string; side: Side };

export type PeriodSpec = {
  slug: string;
  label: string;
  startsOn: string;
  endsOn: string;
  intro: string;
  publishedAt: string | null;
  /** The code of the organisation whose organisers publish the year's summary. */
  publisher?: string;
};

export type ItemSpec = {
  number: number;
  title: string;
  isNew: boolean;
  status: ItemStatus;
  /** Organisation codes; `lead` are the organisers, `with` the other parties. */
  parties: { lead: string[]; with: string[] };
  narrative: string;
  /** The number of the 2018-19 item this one continues, for year-on-year comparison. */
  continues?: number;
};

export type FigureSpec = { item: number; key: string; label: string; value: number; unit: FigureUnit };

/** Who registered for an event: counts by outcome, the rest is generated. */
export type AttendanceSpec = {
  /** Every registration row, cancelled and waitlisted ones included. */
  registered: number;
  cancelled: number;
  waitlisted?: number;
  checkedIn: number;
  sides: Partial<Record<Side, number>>;
};

export type QuestionSpec = {
  label: string;
  kind: 'text' | 'choice' | 'checkbox';
  required: boolean;
  options: string[];
  /** Sample answers for text questions. */
  samples?: string[];
};

export type EventSpec = {
  item: number;
  slug: string;
  kind: EventKind;
  title: string;
  description: string;
  startsAt: string;
  endsAt: string;
  city: string;
  venue: string;
  capacity: number | null;
  registrationOpensAt: string | null;
  registrationClosesAt: string | null;
  waitlist: boolean;
  status: EventStatus;
  attendance?: AttendanceSpec;
  questions?: QuestionSpec[];
};

/** A group of delegation members sharing a role, title and organisation; names are generated. */
export type MemberGroup = {
  role: MemberRole;
  count?: number;
  title: string;
  organisation: string;
  side: Side;
  minor?: boolean;
};

export type VisitSpec = {
  on: string;
  at?: string;
  host: string;
  hostCode?: string;
  place: string;
  purpose: string;
};

export type DelegationSpec = {
  name: string;
  lead: string;
  from: Side;
  to: Side;
  status: DelegationStatus;
  /** When the guardians of the minors in this delegation consented. */
  consentAt?: string;
  createdAt: string;
  members: MemberGroup[];
  visits: VisitSpec[];
};

export type ProgrammeSpec = {
  item: number;
  slug: string;
  title: string;
  description: string;
  startsOn: string;
  endsOn: string;
  capacity: number | null;
  status: 'draft' | 'open' | 'closed' | 'completed';
  publicRegistration: boolean;
  editDeadline: string | null;
  delegations: DelegationSpec[];
};

export type CriterionSpec = { name: string; guidance: string; weight: number; max: number; step: number };

export type RoundSpec = {
  name: string;
  status: 'pending' | 'open' | 'closed';
  criteria: CriterionSpec[];
  judgesPerEntry: number;
  /** How many entries go on to the next round. */
  advance?: number;
  judgedFrom: string;
  judgedUntil: string;
};

export type TierSpec = { code: string; name: string; rank: number; quota: number | null; isMajor: boolean };

export type EntrySpec = {
  reference: string;
  title: string;
  applicantName: string;
  applicantType: ApplicantType;
  organisationCode?: string;
  side: Side;
  category: string | null;
  summary: string;
  details: Record<string, unknown>;
  contactEmail: string;
  status: 'draft' | 'submitted' | 'withdrawn';
  createdAt: string;
  /** Hidden merit in 0..1 from which the judges' scores are drawn. */
  quality: number;
};

export type ContestSpec = {
  item: number;
  slug: string;
  kind: ContestKind;
  title: string;
  description: string;
  entryOpensAt: string;
  entryClosesAt: string;
  blind: boolean;
  status: 'draft' | 'open' | 'judging' | 'closed';
  resultsPublishedAt: string | null;
  categories: { code: string; name: string }[];
  rounds: RoundSpec[];
  tiers: TierSpec[];
  entries: EntrySpec[];
  /**
   * complete: every round scored and awards granted; in_progress: the first round partly
   * scored; none: nobody assigned yet.
   */
  judging: 'complete' | 'in_progress' | 'none';
  /** Award winners per side, when not simply the best of the final round. */
  winnersBySide?: Partial<Record<Side, number>>;
};

/** Member groups from one organisation: `const customs = from('Hong Kong Customs', 'HK')`. */
export function from(organisation: string, side: Side) {
  const group = (role: MemberRole, title: string, count: number, minor = false): MemberGroup =>
    ({ role, title, organisation, side, count, ...(minor ? { minor } : {}) });
  return {
    head: (title: string) => group('head', title, 1),
    members: (title: string, count = 1) => group('member', title, count),
    teachers: (title: string, count = 1) => group('teacher', title, count),
    students: (title: string, count: number) => group('student', title, count, true),
  };
}
