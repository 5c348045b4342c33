import { z } from 'zod';
import { type ContestKind, SIDES } from '../../db/types.ts';
import { field, type FormErrors, type FormValues, parseForm } from '../../lib/forms.ts';
import type { Student } from './details.ts';

/*
 * The entry form, shaped by the contest's kind: a patent portfolio names its applicant
 * organisation, type and patents; a youth invention its school, students, teacher and a
 * guardian's consent; a speech its student and university.
 */

export const MAX_STUDENTS = 3;

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
  title: field.text('a title', 300),
  side: field.choice(SIDES as unknown as readonly ['GD', ...string[]], 'Choose where the entrant is based.'),
  category: z.string().optional().default(''),
  summary: field.text('a summary', 4000),
  email: field.email(),
};

const patentForm = z.object({
  ...common,
  applicant_name: field.text('the applicant organisation', 300),
  applicant_type: field.choice(['enterprise', 'higher_education', 'rd_centre'], 'Choose the type of applicant.'),
  contact_person: field.text('a contact person', 200),
  patent_numbers: field.text('the patent numbers', 4000),
});

const studentFields = Object.fromEntries(Array.from({ length: MAX_STUDENTS }, (_, i) => [
  [`student_${i + 1}_name`, z.string().max(200, 'A name must be at most 200 characters.').optional().default('')],
  [`student_${i + 1}_age`, z.string().optional().default('')],
  [`student_${i + 1}_grade`, z.string().max(50, 'A grade must be at most 50 characters.').optional().default('')],
]).flat()) as Record<string, z.ZodDefault<z.ZodOptional<z.ZodString>>>;

const youthForm = z.object({
  ...common,
  school: field.text('the school', 300),
  teacher: field.text('the teacher', 200),
  ...studentFields,
  guardian_consent: field.checkbox('A parent or guardian of every student must consent to the entry.'),
});

const speechForm = z.object({
  ...common,
  applicant_name: field.text('the student\'s name', 200),
  university: field.text('the university', 300),
});

/** Patent numbers as typed, one per line or separated by commas. */
const splitList = (text: string) => text.split(/[\n,;]+/).map((s) => s.trim()).filter(Boolean);

export type EntryFormResult = { ok: true; data: EntryData } | { ok: false; errors: FormErrors; values: FormValues };

export function parseEntryForm(kind: ContestKind, categories: readonly { id: number; code: string }[], body: unknown): EntryFormResult {
  const errors: FormErrors = {};
  const result = kind === 'patent_portfolio' ? parseForm(patentForm, body) : kind === 'youth_invention' ? parseForm(youthForm, body) : parseForm(speechForm, body);
  const values = result.ok ? (result.data as unknown as FormValues) : result.values;
  if (!result.ok) Object.assign(errors, result.errors);

  const category = categories.find((c) => c.code === values.category);
  if (categories.length > 0 && !category) errors.category ??= 'Choose a category.';

  const students: Student[] = [];
  if (kind === 'youth_invention') {
    for (let i = 1; i <= MAX_STUDENTS; i++) {
      const name = String(values[`student_${i}_name`] ?? '');
      const ageText = String(values[`student_${i}_age`] ?? '');
      const grade = String(values[`student_${i}_grade`] ?? '');
      if (!name && !ageText && !grade) continue;
      const age = Number(ageText);
      if (!name) errors[`student_${i}_name`] ??= `Enter the name of student ${i}.`;
      if (!/^\d{1,2}$/.test(ageText) || age < 5 || age > 19) errors[`student_${i}_age`] ??= `Enter the age of student ${i}, from 5 to 19.`;
      students.push({ name, age, grade });
    }
    if (students.length === 0) errors.student_1_name ??= 'Enter at least one student.';
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
export function entryValues(entry: { title: string; applicant_name: string; applicant_type: string; side: string; summary: string; contact_email: string; details: Record<string, unknown> }, categoryCode: string | null, students: Student[]): FormValues {
  const values: FormValues = {
    title: entry.title, applicant_name: entry.applicant_name, applicant_type: entry.applicant_type, side: entry.side,
    summary: entry.summary, email: entry.contact_email, category: categoryCode ?? '',
    contact_person: String(entry.details.contact_person ?? ''),
    patent_numbers: Array.isArray(entry.details.patent_numbers) ? entry.details.patent_numbers.join('\n') : '',
    school: String(entry.details.school ?? ''), teacher: String(entry.details.teacher ?? ''),
    university: String(entry.details.university ?? ''), guardian_consent: entry.details.guardian_consent ? 'on' : '',
  };
  students.forEach((s, i) => {
    values[`student_${i + 1}_name`] = s.name;
    values[`student_${i + 1}_age`] = s.age === null ? '' : String(s.age);
    values[`student_${i + 1}_grade`] = s.grade;
  });
  return values;
}
