import { z } from 'zod';
import { type ContestKind, SIDES } from '../../db/types.ts';
import { field, type FormErrors, type FormValues, parseForm } from '../../lib/forms.ts';
import { message } from '../../lib/i18n.ts';
import { detailText, type Student } from './details.ts';

/*
 * The entry form, shaped by the contest's kind: a patent portfolio names its applicant
 * organisation, type and patents; a youth invention its school, students, teacher and a
 * guardian's consent; a speech its student and university.
 */

export const MAX_STUDENTS = 3;
/** Ages a student may be, in years. */
const STUDENT_AGE = { min: 5, max: 19 };

export type EntryData = {
  title: string;
  applicant_name: string;
  applicant_type: 'enterprise' | 'higher_education' | 'rd_centre' | 'school' | 'individual';
  side: (typeof SIDES)[number];
  category_id: number | null;
  summary: string;
  contact_email: string;
  details: Record<string, unknown>;
};

const common = {
  title: field.text({ missing: 'participant.entry.errors.title', tooLong: 'participant.entry.errors.titleLong' }, 300),
  side: field.choice(SIDES as unknown as readonly ['GD', ...string[]], 'participant.entry.errors.side'),
  category: z.string().optional().default(''),
  summary: field.text({ missing: 'participant.entry.errors.summary', tooLong: 'participant.entry.errors.summaryLong' }, 4000),
  email: field.email(),
};

const patentForm = z.object({
  ...common,
  applicant_name: field.text({ missing: 'participant.entry.errors.applicant', tooLong: 'participant.entry.errors.applicantLong' }, 300),
  applicant_type: field.choice(['enterprise', 'higher_education', 'rd_centre'], 'participant.entry.errors.applicantType'),
  contact_person: field.text(
    { missing: 'participant.entry.errors.contactPerson', tooLong: 'participant.entry.errors.contactPersonLong' }, 200),
  patent_numbers: field.text(
    { missing: 'participant.entry.errors.patentNumbers', tooLong: 'participant.entry.errors.patentNumbersLong' }, 4000),
});

const studentFields = Object.fromEntries(Array.from({ length: MAX_STUDENTS }, (_, i) => [
  [`student_${i + 1}_name`, z.string().max(200, 'participant.entry.errors.studentNameLong').optional().default('')],
  [`student_${i + 1}_age`, z.string().optional().default('')],
  [`student_${i + 1}_grade`, z.string().max(50, 'participant.entry.errors.gradeLong').optional().default('')],
]).flat()) as Record<string, z.ZodDefault<z.ZodOptional<z.ZodString>>>;

const youthForm = z.object({
  ...common,
  school: field.text({ missing: 'participant.entry.errors.school', tooLong: 'participant.entry.errors.schoolLong' }, 300),
  teacher: field.text({ missing: 'participant.entry.errors.teacher', tooLong: 'participant.entry.errors.teacherLong' }, 200),
  ...studentFields,
  guardian_consent: field.checkbox('participant.entry.errors.guardianConsent'),
});

const speechForm = z.object({
  ...common,
  applicant_name: field.text({ missing: 'participant.entry.errors.speaker', tooLong: 'participant.entry.errors.speakerLong' }, 200),
  university: field.text({ missing: 'participant.entry.errors.university', tooLong: 'participant.entry.errors.universityLong' }, 300),
});

/** Patent numbers as typed, one per line or separated by commas. */
const splitList = (text: string) => text.split(/[\n,;]+/).map((s) => s.trim()).filter(Boolean);

export type EntryFormResult = { ok: true; data: EntryData } | { ok: false; errors: FormErrors; values: FormValues };

export function parseEntryForm(kind: ContestKind, categories: readonly { id: number; code: string }[], body: unknown): EntryFormResult {
  const errors: FormErrors = {};
  const result = kind === 'patent_portfolio' ? parseForm(patentForm, body)
    : kind === 'youth_invention' ? parseForm(youthForm, body)
    : parseForm(speechForm, body);
  const values = result.ok ? (result.data as unknown as FormValues) : result.values;
  if (!result.ok) Object.assign(errors, result.errors);

  const category = categories.find((c) => c.code === values.category);
  if (categories.length > 0 && !category) errors.category ??= 'participant.entry.errors.category';

  const students: Student[] = [];
  if (kind === 'youth_invention') {
    for (let i = 1; i <= MAX_STUDENTS; i++) {
      const name = String(values[`student_${i}_name`] ?? '');
      const ageText = String(values[`student_${i}_age`] ?? '');
      const grade = String(values[`student_${i}_grade`] ?? '');
      if (!name && !ageText && !grade) continue;
      const age = Number(ageText);
      if (!name) errors[`student_${i}_name`] ??= message('participant.entry.errors.studentName', { n: i });
      if (!/^\d{1,2}$/.test(ageText) || age < STUDENT_AGE.min || age > STUDENT_AGE.max) {
        errors[`student_${i}_age`] ??= message('participant.entry.errors.studentAge', { n: i, min: STUDENT_AGE.min, max: STUDENT_AGE.max });
      }
      students.push({ name, age, grade });
    }
    if (students.length === 0) errors.student_1_name ??= 'participant.entry.errors.oneStudent';
  }
  if (!result.ok || Object.keys(errors).length > 0) return { ok: false, errors, values };

  const d = result.data as Record<string, string>;
  const base = {
    title: d.title as string, side: d.side as EntryData['side'], category_id: category?.id ?? null, summary: d.summary as string,
    contact_email: d.email as string,
  };
  if (kind === 'patent_portfolio') {
    return {
      ok: true,
      data: {
        ...base, applicant_name: d.applicant_name as string, applicant_type: d.applicant_type as EntryData['applicant_type'],
        details: { patent_numbers: splitList(d.patent_numbers as string), contact_person: d.contact_person },
      },
    };
  }
  if (kind === 'youth_invention') {
    return {
      ok: true,
      data: {
        ...base, applicant_name: students.map((s) => s.name).join(', '), applicant_type: 'school',
        details: { school: d.school, students, teacher: d.teacher, guardian_consent: true },
      },
    };
  }
  return {
    ok: true,
    data: { ...base, applicant_name: d.applicant_name as string, applicant_type: 'individual', details: { university: d.university } },
  };
}

/** A stored entry as form values, for its edit form. */
export function entryValues(
  entry: {
    title: string; applicant_name: string; applicant_type: string; side: string; summary: string; contact_email: string;
    details: Record<string, unknown>;
  },
  categoryCode: string | null, students: Student[],
): FormValues {
  const values: FormValues = {
    title: entry.title, applicant_name: entry.applicant_name, applicant_type: entry.applicant_type, side: entry.side,
    summary: entry.summary, email: entry.contact_email, category: categoryCode ?? '',
    contact_person: detailText(entry.details.contact_person),
    patent_numbers: Array.isArray(entry.details.patent_numbers) ? entry.details.patent_numbers.join('\n') : '',
    school: detailText(entry.details.school), teacher: detailText(entry.details.teacher),
    university: detailText(entry.details.university), guardian_consent: entry.details.guardian_consent ? 'on' : '',
  };
  students.forEach((s, i) => {
    values[`student_${i + 1}_name`] = s.name;
    values[`student_${i + 1}_age`] = s.age === null ? '' : String(s.age);
    values[`student_${i + 1}_grade`] = s.grade;
  });
  return values;
}
