import { z } from 'zod';
import { SIDES, type MemberRole, type Side } from '../../db/types.ts';
import { field, type FormErrors, parseForm, rowNumbers, textOf } from '../../lib/forms.ts';
import type { Message } from '../../lib/i18n.ts';

/*
 * The one-step delegation form: the delegation, its members and its itinerary in one POST.
 * Rows are numbered fields (`member_3_name`, `visit_1_on`) so that a row's unticked
 * checkboxes cannot shift the other rows, and the form works without any script: the
 * "Add a member" button posts the form back and the page comes back with one more row.
 */

export const MEMBER_ROLES = ['head', 'member', 'teacher', 'student', 'observer'] as const satisfies readonly MemberRole[];
export const MAX_MEMBERS = 200;
export const MAX_VISITS = 60;
/** Empty rows a new form starts with under the head's row. */
const BLANK_MEMBER_ROWS = 2;

export type MemberValues = {
  id: string; name: string; title: string; organisation: string; role: string; minor: string; consent: string;
};
export type VisitValues = { on: string; at: string; host: string; place: string; purpose: string };
export type DelegationValues = {
  name: string;
  leading_organisation_id: string;
  from_side: string;
  to_side: string;
  contact_name: string;
  contact_email: string;
  members: MemberValues[];
  visits: VisitValues[];
};

export type MemberInput = {
  id: number | null; name: string; title: string; organisation: string; role: MemberRole; minor: boolean; consent: boolean;
};
export type VisitInput = { on: string; at: string | null; host: string; place: string; purpose: string };
export type DelegationInput = {
  name: string;
  leadingOrganisationId: number | null;
  fromSide: Side;
  toSide: Side;
  contactName: string;
  contactEmail: string;
  members: MemberInput[];
  visits: VisitInput[];
};

/** What the submit button asked for: save, or change the rows and show the form again. */
export type FormAction =
  | { kind: 'save' }
  | { kind: 'add_member' } | { kind: 'remove_member'; index: number }
  | { kind: 'add_visit' } | { kind: 'remove_visit'; index: number };

const blankMember = (role = 'member'): MemberValues =>
  ({ id: '', name: '', title: '', organisation: '', role, minor: '', consent: '' });
const blankVisit = (): VisitValues => ({ on: '', at: '', host: '', place: '', purpose: '' });

export function emptyDelegationValues(): DelegationValues {
  return {
    name: '', leading_organisation_id: '', from_side: '', to_side: '', contact_name: '', contact_email: '',
    members: [blankMember('head'), ...Array.from({ length: BLANK_MEMBER_ROWS }, () => blankMember())],
    visits: [blankVisit()],
  };
}

const text = textOf;

/** The posted form as it should be shown again, rows renumbered from 0, and the button pressed. */
export function readDelegationForm(raw: unknown): { values: DelegationValues; action: FormAction } {
  const body = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const members = rowNumbers(body, 'member', MAX_MEMBERS).map((n) => {
    const key = (f: string) => `member_${n}_${f}`;
    return {
      id: text(body, key('id')), name: text(body, key('name')), title: text(body, key('title')),
      organisation: text(body, key('organisation')), role: text(body, key('role')) || 'member',
      minor: text(body, key('minor')) === 'on' ? 'on' : '', consent: text(body, key('consent')) === 'on' ? 'on' : '',
    };
  });
  const visits = rowNumbers(body, 'visit', MAX_VISITS).map((n) => {
    const key = (f: string) => `visit_${n}_${f}`;
    return {
      on: text(body, key('on')), at: text(body, key('at')), host: text(body, key('host')),
      place: text(body, key('place')), purpose: text(body, key('purpose')),
    };
  });
  const values: DelegationValues = {
    name: text(body, 'name'), leading_organisation_id: text(body, 'leading_organisation_id'),
    from_side: text(body, 'from_side'), to_side: text(body, 'to_side'),
    contact_name: text(body, 'contact_name'), contact_email: text(body, 'contact_email'), members, visits,
  };

  const index = (key: string) => {
    const n = Number(text(body, key));
    return Number.isInteger(n) && n >= 0 ? n : -1;
  };
  let action: FormAction = { kind: 'save' };
  if ('add_member' in body) action = { kind: 'add_member' };
  else if ('remove_member' in body) action = { kind: 'remove_member', index: index('remove_member') };
  else if ('add_visit' in body) action = { kind: 'add_visit' };
  else if ('remove_visit' in body) action = { kind: 'remove_visit', index: index('remove_visit') };
  return { values, action };
}

/** Applies a row button to the values; the form is then shown again, nothing stored. */
export function applyRowAction(values: DelegationValues, action: Exclude<FormAction, { kind: 'save' }>): DelegationValues {
  switch (action.kind) {
    case 'add_member':
      return values.members.length >= MAX_MEMBERS ? values : { ...values, members: [...values.members, blankMember()] };
    case 'remove_member':
      return { ...values, members: values.members.filter((_, i) => i !== action.index) };
    case 'add_visit':
      return values.visits.length >= MAX_VISITS ? values : { ...values, visits: [...values.visits, blankVisit()] };
    case 'remove_visit':
      return { ...values, visits: values.visits.filter((_, i) => i !== action.index) };
  }
}

const SIDE_CHOICES = SIDES as readonly [Side, ...Side[]];

const delegationSchema = z.object({
  name: field.text({ missing: 'participant.delegation.errors.name', tooLong: 'participant.delegation.errors.nameLong' }, 300),
  leading_organisation_id: z.string().regex(/^\d{0,9}$/, 'participant.delegation.errors.leading')
    .transform((v) => (v ? Number(v) : null)),
  from_side: field.choice(SIDE_CHOICES, 'participant.delegation.errors.from'),
  to_side: field.choice(SIDE_CHOICES, 'participant.delegation.errors.to'),
  contact_name: field.text(
    { missing: 'participant.delegation.errors.contactName', tooLong: 'participant.delegation.errors.contactNameLong' }, 200,
  ),
  contact_email: field.email(),
});

const memberSchema = z.object({
  id: z.string().regex(/^\d{0,9}$/).transform((v) => (v ? Number(v) : null)),
  name: field.text({ missing: 'participant.delegation.errors.memberName', tooLong: 'participant.delegation.errors.memberNameLong' }, 200),
  title: field.optionalText('participant.delegation.errors.titleLong', 200),
  organisation: field.optionalText('participant.delegation.errors.organisationLong', 300),
  role: field.choice(MEMBER_ROLES, 'participant.delegation.errors.role'),
  minor: z.string().transform((v) => v === 'on'),
  consent: z.string().transform((v) => v === 'on'),
});

const visitSchema = z.object({
  on: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'participant.delegation.errors.visitDate')
    .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), 'participant.delegation.errors.realDate'),
  at: z.string().regex(/^(|([01]\d|2[0-3]):[0-5]\d)$/, 'participant.delegation.errors.time')
    .transform((v) => v || null),
  host: field.text({ missing: 'participant.delegation.errors.host', tooLong: 'participant.delegation.errors.hostLong' }, 300),
  place: field.optionalText('participant.delegation.errors.placeLong', 300),
  purpose: field.optionalText('participant.delegation.errors.purposeLong', 500),
});

/** A field's message within a row's: as a value, a bare key would read as text, so it goes as an object. */
const within = (message: Message): Message => (typeof message === 'string' ? { key: message } : message);

const isBlankMember = (m: MemberValues) => !m.name && !m.title && !m.organisation;
const isBlankVisit = (v: VisitValues) => !v.on && !v.at && !v.host && !v.place && !v.purpose;
const personKey = (m: { name: string; organisation: string }) =>
  `${m.name.toLowerCase().replace(/\s+/g, ' ')}|${m.organisation.toLowerCase().replace(/\s+/g, ' ')}`;

export type ProgrammeDates = { starts_on: string; ends_on: string };

/**
 * Checks the whole form against the programme. Blank rows are left out; the errors name the
 * field they belong to (`member_2_name`) or the list (`members`, `visits`), and a row's message
 * says which row it is about.
 */
export function validateDelegation(
  values: DelegationValues, programme: ProgrammeDates,
): { ok: true; data: DelegationInput } | { ok: false; errors: FormErrors } {
  const errors: FormErrors = {};
  const top = parseForm(delegationSchema, values);
  if (!top.ok) Object.assign(errors, top.errors);
  if (top.ok && top.data.from_side === top.data.to_side) errors.to_side = 'participant.delegation.errors.sameSides';

  const members: MemberInput[] = [];
  values.members.forEach((row, i) => {
    if (isBlankMember(row)) return;
    const parsed = parseForm(memberSchema, row);
    if (!parsed.ok) {
      for (const [f, message] of Object.entries(parsed.errors)) {
        errors[`member_${i}_${f}`] ??= { key: 'participant.delegation.errors.memberRow', params: { n: i + 1, message: within(message) } };
      }
      return;
    }
    members.push(parsed.data);
  });
  const heads = members.filter((m) => m.role === 'head').length;
  if (members.length === 0) errors.members = 'participant.delegation.errors.noMembers';
  else if (heads === 0) errors.members = 'participant.delegation.errors.noHead';
  else if (heads > 1) errors.members = 'participant.delegation.errors.twoHeads';
  const seen = new Set<string>();
  for (const m of members) {
    const key = personKey(m);
    if (seen.has(key)) {
      const who = m.organisation ? `${m.name} (${m.organisation})` : m.name;
      errors.members ??= { key: 'participant.delegation.errors.listedTwice', params: { who } };
    }
    seen.add(key);
  }

  const visits: VisitInput[] = [];
  values.visits.forEach((row, i) => {
    if (isBlankVisit(row)) return;
    const parsed = parseForm(visitSchema, row);
    if (!parsed.ok) {
      for (const [f, message] of Object.entries(parsed.errors)) {
        errors[`visit_${i}_${f}`] ??= { key: 'participant.delegation.errors.visitRow', params: { n: i + 1, message: within(message) } };
      }
      return;
    }
    if (parsed.data.on < programme.starts_on || parsed.data.on > programme.ends_on) {
      errors[`visit_${i}_on`] = {
        key: 'participant.delegation.errors.visitOutside', params: { n: i + 1, start: programme.starts_on, end: programme.ends_on },
      };
      return;
    }
    visits.push(parsed.data);
  });

  if (!top.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  const d = top.data;
  return {
    ok: true,
    data: {
      name: d.name, leadingOrganisationId: d.leading_organisation_id, fromSide: d.from_side, toSide: d.to_side,
      contactName: d.contact_name, contactEmail: d.contact_email, members, visits,
    },
  };
}
