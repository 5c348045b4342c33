/*
 * What an entry says about itself beyond its columns lives in `entries.details`, shaped by the
 * contest's kind. These helpers turn it into labelled facts, leaving out whatever names the
 * entrant when the contest is judged blind.
 */

export type Fact = { label: string; value: string };

export type Student = { name: string; age: number | null; grade: string };

/** Detail keys that name or point at the entrant: hidden from judges of a blind contest. */
const IDENTIFYING = new Set(['contact_person', 'school', 'teacher', 'nominated_by', 'university', 'patent_numbers']);

const LABELS: Record<string, string> = {
  patent_numbers: 'Patent numbers',
  invention_patents: 'Invention patents',
  utility_models: 'Utility models',
  pct_applications: 'PCT applications',
  contact_person: 'Contact person',
  school: 'School',
  students: 'Students',
  teacher: 'Teacher',
  age_of_eldest: 'Age of the eldest student',
  guardian_consent: 'Guardian consent',
  nominated_by: 'Nominated by',
  university: 'University',
  year_of_study: 'Year of study',
};

/** Students are stored as names (older entries) or as name, age and grade. */
export function studentsOf(details: Record<string, unknown>): Student[] {
  const raw = Array.isArray(details.students) ? details.students : [];
  return raw.map((s) => {
    if (typeof s === 'string') return { name: s, age: null, grade: '' };
    const o = (s ?? {}) as Record<string, unknown>;
    return { name: String(o.name ?? ''), age: typeof o.age === 'number' ? o.age : null, grade: String(o.grade ?? '') };
  });
}

function describeStudents(students: Student[], blind: boolean): string {
  if (blind) {
    const ages = students.map((s) => (s.age === null ? s.grade : `aged ${s.age}${s.grade ? `, ${s.grade}` : ''}`)).filter(Boolean);
    return `${students.length} ${students.length === 1 ? 'student' : 'students'}${ages.length ? ` (${ages.join('; ')})` : ''}`;
  }
  return students.map((s) => [s.name, s.age === null ? '' : `aged ${s.age}`, s.grade].filter(Boolean).join(', ')).join('; ');
}

export function entryFacts(details: Record<string, unknown>, blind: boolean): Fact[] {
  const facts: Fact[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (blind && IDENTIFYING.has(key)) continue;
    if (key === 'students') {
      facts.push({ label: LABELS.students as string, value: describeStudents(studentsOf(details), blind) });
    } else if (Array.isArray(value)) {
      facts.push({ label: LABELS[key] ?? key, value: value.map(String).join(', ') });
    } else if (typeof value === 'boolean') {
      facts.push({ label: LABELS[key] ?? key, value: value ? 'Yes' : 'No' });
    } else if (value !== null && value !== '') {
      facts.push({ label: LABELS[key] ?? key, value: String(value) });
    }
  }
  return facts;
}

export const APPLICANT_TYPE_NAMES: Record<string, string> = {
  enterprise: 'Enterprise',
  higher_education: 'Higher education institution',
  rd_centre: 'R&D centre',
  school: 'School',
  individual: 'Individual',
};

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

/** Free text as a blind judge may read it: every name the entry is known by is withheld. */
export function withholdIdentities(text: string, identities: readonly string[]): string {
  let out = text;
  for (const name of identities) out = out.split(name).join('[withheld]');
  return out;
}
