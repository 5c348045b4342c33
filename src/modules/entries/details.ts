import { type Message, type MessageKey, message, verbatim } from '../../lib/i18n.ts';

/*
 * What an entry says about itself beyond its columns lives in `entries.details`, shaped by the
 * contest's kind. These helpers turn it into labelled facts, leaving out whatever names the
 * entrant when the contest is judged blind. Labels are catalogue messages; what the entrant
 * wrote is shown as written.
 */

export type Fact = { label: Message; value: Message };

export type Student = { name: string; age: number | null; grade: string };

/** Detail keys that name or point at the entrant: hidden from judges of a blind contest. */
const IDENTIFYING = new Set(['contact_person', 'school', 'teacher', 'nominated_by', 'university', 'patent_numbers']);

const LABELS: Record<string, MessageKey> = {
  patent_numbers: 'participant.entry.patentNumbers',
  invention_patents: 'participant.entry.fact.inventionPatents',
  utility_models: 'participant.entry.fact.utilityModels',
  pct_applications: 'participant.entry.fact.pct',
  contact_person: 'participant.entry.contactPerson',
  school: 'participant.entry.school',
  students: 'participant.entry.fact.students',
  teacher: 'label.teacher',
  age_of_eldest: 'participant.entry.fact.eldest',
  guardian_consent: 'participant.entry.fact.guardianConsent',
  nominated_by: 'participant.entry.fact.nominatedBy',
  university: 'participant.entry.university',
  year_of_study: 'participant.entry.fact.yearOfStudy',
};

/** A stored detail as text: a string as written, a number spelt out; anything else is blank. */
export const detailText = (value: unknown): string =>
  (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');

/** Students are stored as names (older entries) or as name, age and grade. */
export function studentsOf(details: Record<string, unknown>): Student[] {
  const raw = Array.isArray(details.students) ? details.students : [];
  return raw.map((s) => {
    if (typeof s === 'string') return { name: s, age: null, grade: '' };
    const o = (s ?? {}) as Record<string, unknown>;
    return { name: detailText(o.name), age: typeof o.age === 'number' ? o.age : null, grade: detailText(o.grade) };
  });
}

/** Parts of a list in the reader's punctuation: `, ` between a student's particulars, `; ` between students. */
const listOf = (key: 'participant.entry.fact.particulars' | 'participant.entry.fact.list', parts: readonly Message[]): Message =>
  parts.length ? parts.reduce((first, next) => message(key, { first, next })) : verbatim('');

function describeStudents(students: Student[], blind: boolean): Message {
  const aged = (s: Student) => (s.age === null ? [] : [message('participant.entry.fact.aged', { age: s.age })]);
  const grade = (s: Student) => (s.grade ? [verbatim(s.grade)] : []);
  if (blind) {
    const count = message(students.length === 1 ? 'participant.entry.fact.studentsOne' : 'participant.entry.fact.studentsMany',
      { n: students.length });
    const about = students.map((s) => [...aged(s), ...grade(s)]).filter((parts) => parts.length)
      .map((parts) => listOf('participant.entry.fact.particulars', parts));
    if (!about.length) return count;
    return message('participant.entry.fact.studentsAbout', { count, about: listOf('participant.entry.fact.list', about) });
  }
  return listOf('participant.entry.fact.list', students.map((s) =>
    listOf('participant.entry.fact.particulars', [...(s.name ? [verbatim(s.name)] : []), ...aged(s), ...grade(s)])));
}

export function entryFacts(details: Record<string, unknown>, blind: boolean): Fact[] {
  const facts: Fact[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (blind && IDENTIFYING.has(key)) continue;
    const label = LABELS[key] ?? verbatim(key);
    if (key === 'students') {
      facts.push({ label, value: describeStudents(studentsOf(details), blind) });
    } else if (Array.isArray(value)) {
      facts.push({ label, value: verbatim(value.map(String).join(', ')) });
    } else if (typeof value === 'boolean') {
      facts.push({ label, value: value ? 'participant.show.yes' : 'participant.show.no' });
    } else if (typeof value === 'number' || (typeof value === 'string' && value !== '')) {
      facts.push({ label, value: verbatim(String(value)) });
    }
  }
  return facts;
}

/** The names an entry is known by: the entrant, and the people and bodies in its details. */
export function identitiesOf(applicantName: string, details: Record<string, unknown>): string[] {
  const names = [applicantName, ...studentsOf(details).map((s) => s.name)];
  for (const key of IDENTIFYING) {
    const value = details[key];
    if (typeof value === 'string') names.push(value);
    else if (Array.isArray(value)) names.push(...value.filter((v): v is string => typeof v === 'string'));
  }
  return [...new Set(names.map((n) => n.trim()).filter((n) => n.length >= 2))].sort((a, b) => b.length - a.length);
}

/** Free text as a blind judge may read it: every name the entry is known by is replaced by `mark`. */
export function withholdIdentities(text: string, identities: readonly string[], mark: string): string {
  let out = text;
  for (const name of identities) out = out.split(name).join(mark);
  return out;
}
