import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/*
 * The database as Kysely sees it. Mirrors migrations/; `date` columns come back as
 * 'YYYY-MM-DD' strings and numeric/int8 as numbers (see src/db/index.ts).
 */

/** Content in the other languages, by language and field; English is in the row's own columns. */
export type Translations = Partial<Record<'zh-Hant' | 'zh-Hans', Record<string, string>>>;

export type Side = 'GD' | 'HK' | 'MO' | 'CN' | 'OTHER';
export const SIDES: readonly Side[] = ['GD', 'HK', 'MO', 'CN', 'OTHER'];

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string | undefined, string>;

export interface OrganisationsTable {
  id: Generated<number>;
  code: string;
  name: string;
  side: Side;
  created_at: CreatedAt;
}

export type Role = 'admin' | 'organiser' | 'judge';
export interface UsersTable {
  id: Generated<number>;
  email: string;
  name: string;
  role: Role;
  organisation_id: number | null;
  password_hash: string | null;
  disabled_at: NullableTimestamp;
  /** The language of the account's emails: 'en', 'zh-Hant' or 'zh-Hans'. */
  language: Generated<string>;
  /** The confirmed TOTP secret (base32), readable: codes are computed from it. */
  totp_secret: string | null;
  /** The last TOTP time step accepted: codes of this step or earlier are refused. */
  totp_last_step: number | null;
  created_at: CreatedAt;
}

export type AuthMethod = 'password' | 'password+totp' | 'password+recovery' | 'passkey' | 'oidc' | 'oidc+totp' | 'oidc+recovery';
export interface SessionsTable {
  id: string;
  user_id: number;
  created_at: CreatedAt;
  last_seen_at: ColumnType<Date, Date | string | undefined, Date | string>;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
  auth_method: ColumnType<AuthMethod, AuthMethod | undefined, AuthMethod>;
  /** When the password or a passkey was last given in this session (sign-in or a confirmation). */
  confirmed_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** One row: which roles must have a second factor. */
export interface SignInPolicyTable {
  id: ColumnType<boolean, never, never>;
  second_factor_organisers: boolean;
  second_factor_judges: boolean;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  updated_by: number | null;
}

/** Single-use two-factor recovery codes, stored hashed. */
export interface RecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  code_hash: string;
  created_at: CreatedAt;
}

/** A user's passkey (WebAuthn credential): its public key (base64url) and signature counter. */
export interface PasskeysTable {
  id: Generated<number>;
  user_id: number;
  credential_id: string;
  public_key: string;
  /** bigint, read as a number like every int8 (src/db/index.ts). */
  counter: Generated<number>;
  /** Comma-separated (usb, nfc, ble, internal, hybrid). */
  transports: Generated<string>;
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: boolean;
  name: string;
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
}

/** The challenge of one WebAuthn ceremony, used once; a registration's is bound to its session. */
export interface WebauthnChallengesTable {
  id: string;
  purpose: 'register' | 'sign-in' | 'confirm';
  session_id: string | null;
  challenge: string;
  expires_at: Timestamp;
  created_at: CreatedAt;
}

/** The half-signed-in state between a correct password and the second factor. */
export interface LoginChallengesTable {
  id: string;
  user_id: number;
  ip: string;
  next: string | null;
  expires_at: Timestamp;
  created_at: CreatedAt;
  /** What the sign-in began with: a password, or a single sign-on provider. */
  first_factor: ColumnType<'password' | 'oidc', 'password' | 'oidc' | undefined, 'password' | 'oidc'>;
}

/** An identity at an OpenID Connect provider, linked to an existing account. */
export interface OidcIdentitiesTable {
  id: Generated<number>;
  user_id: number;
  /** The configured provider's id (OIDC_PROVIDERS). */
  provider: string;
  issuer: string;
  subject: string;
  email: string;
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
}

/** An OpenID Connect authorization request in flight: state, nonce and PKCE verifier, used once. */
export interface OidcLoginsTable {
  id: string;
  provider: string;
  purpose: 'sign-in' | 'link';
  session_id: string | null;
  state: string;
  nonce: string;
  code_verifier: string;
  next: string | null;
  expires_at: Timestamp;
  created_at: CreatedAt;
}

export interface UserTokensTable {
  id: Generated<number>;
  user_id: number;
  purpose: 'invitation' | 'password_reset';
  token_hash: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface PeriodsTable {
  translations: Json<Translations>;
  id: Generated<number>;
  slug: string;
  label: string;
  starts_on: string;
  ends_on: string;
  intro: Generated<string>;
  published_at: NullableTimestamp;
  /** The organisation whose organisers may publish the year's summary (admins always may). */
  publisher_organisation_id: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: CreatedAt;
}

export type ItemStatus = 'planned' | 'in_progress' | 'completed';
export interface ItemsTable {
  translations: Json<Translations>;
  id: Generated<number>;
  period_id: number;
  number: number;
  title: string;
  is_new: Generated<boolean>;
  status: Generated<ItemStatus>;
  narrative: Generated<string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  continues_item_id: number | null;
}

export interface ItemPartiesTable {
  item_id: number;
  organisation_id: number;
  is_lead: Generated<boolean>;
}

export type FigureUnit = 'count' | 'hkd';
export interface FiguresTable {
  id: Generated<number>;
  item_id: number;
  key: string;
  label: string;
  value: ColumnType<number, number | string, number | string>;
  unit: Generated<FigureUnit>;
  recorded_by: number | null;
  recorded_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export const EVENT_KINDS = ['symposium', 'forum', 'seminar', 'conference', 'expo', 'exchange_activity', 'visit',
  'meeting', 'ceremony', 'training'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
export type EventStatus = 'draft' | 'published' | 'closed' | 'cancelled';
export interface EventsTable {
  translations: Json<Translations>;
  id: Generated<number>;
  item_id: number;
  slug: string;
  kind: EventKind;
  title: string;
  description: Generated<string>;
  starts_at: Timestamp;
  ends_at: Timestamp;
  timezone: Generated<string>;
  city: Generated<string>;
  venue: Generated<string>;
  capacity: number | null;
  confirmed_count: Generated<number>;
  registration_opens_at: NullableTimestamp;
  registration_closes_at: NullableTimestamp;
  waitlist_enabled: Generated<boolean>;
  /** Public registrations confirm their email address before they count (double opt-in). */
  confirm_email: Generated<boolean>;
  status: Generated<EventStatus>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A round's change counter (migrations/2026-12-06T05-00_round-versions.ts), moved by triggers. */
export interface RoundVersionsTable {
  round_id: ColumnType<number, never, never>;
  version: ColumnType<number, never, never>;
}

/** Moved by triggers on every change an event's public page could show (migrations/2026-11-26T07-00_page-versions.ts). */
export interface EventVersionsTable {
  event_id: ColumnType<number, never, never>;
  /** bigint, read as a number like every int8 (src/db/index.ts). */
  version: ColumnType<number, never, never>;
}

/**
 * An event's registrations counted by side and month made (Hong Kong time, 'YYYY-MM'), kept by
 * triggers on registrations (migrations/2026-12-05T07-00_registration-tallies.ts): read only.
 */
export interface RegistrationTalliesTable {
  event_id: ColumnType<number, never, never>;
  side: ColumnType<Side, never, never>;
  month: ColumnType<string, never, never>;
  registrations: ColumnType<number, never, never>;
  confirmed: ColumnType<number, never, never>;
  checked_in: ColumnType<number, never, never>;
  /** Registrations whose email address is confirmed (confirm_by is null): those the public figures count. */
  email_confirmed: ColumnType<number, never, never>;
  /** Waiting-list registrations whose email address is confirmed. */
  waitlisted: ColumnType<number, never, never>;
  /* The columns below: migrations/2026-12-06T09-40_one-registration-tally.ts. */
  cancelled: ColumnType<number, never, never>;
  /** Waiting-list registrations whose email address is not yet confirmed. */
  waitlisted_pending: ColumnType<number, never, never>;
  /** Address confirmed and not cancelled: a mailing's 'all'; the next two are its 'confirmed' and 'attended'. */
  reachable: ColumnType<number, never, never>;
  reachable_confirmed: ColumnType<number, never, never>;
  reachable_checked_in: ColumnType<number, never, never>;
  /** Confirmed and not erased: whom badges are printed for; and of those, whose badge is printed. */
  badge_holders: ColumnType<number, never, never>;
  badges_printed: ColumnType<number, never, never>;
}

/** The change counter of everything public that is not an event's own (same migration). */
export interface ContentVersionTable {
  id: ColumnType<boolean, never, never>;
  /** bigint, read as a number like every int8 (src/db/index.ts). */
  n: ColumnType<number, never, never>;
}

export interface EventQuestionsTable {
  id: Generated<number>;
  event_id: number;
  position: number;
  label: string;
  kind: 'text' | 'choice' | 'checkbox';
  required: Generated<boolean>;
  options: Json<string[]>;
}

/**
 * 'unconfirmed': holds a seat until its email address is confirmed (events.confirm_email).
 * 'awaiting': waits for an organiser's approval (events.registration_mode 'approval'), holding no seat.
 */
export const REGISTRATION_STATUSES = ['confirmed', 'waitlisted', 'unconfirmed', 'awaiting', 'cancelled'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];
export interface RegistrationsTable {
  id: Generated<number>;
  event_id: number;
  name: string;
  email: string;
  organisation: Generated<string>;
  side: Side;
  status: RegistrationStatus;
  answers: Json<Record<string, string | boolean>>;
  token_hash: string;
  /** A newer link sent when the address registered again; it replaces token_hash when first opened. */
  pending_token_hash: string | null;
  /** Set while the email address is unconfirmed: the registration is released after it. */
  confirm_by: NullableTimestamp;
  language: Generated<string>;
  delegation_member_id: number | null;
  checked_in_at: NullableTimestamp;
  cancelled_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface ProgrammesTable {
  translations: Json<Translations>;
  id: Generated<number>;
  item_id: number;
  slug: string;
  title: string;
  description: Generated<string>;
  starts_on: string;
  ends_on: string;
  capacity: number | null;
  member_count: Generated<number>;
  public_registration: Generated<boolean>;
  edit_deadline: NullableTimestamp;
  /** Public delegations confirm their contact's email address before they count (double opt-in). */
  confirm_email: Generated<boolean>;
  status: Generated<'draft' | 'open' | 'closed' | 'completed'>;
  created_at: CreatedAt;
}

export interface ProgrammeHostsTable {
  programme_id: number;
  organisation_id: number;
}

export type DelegationStatus = 'proposed' | 'confirmed' | 'completed' | 'withdrawn';
export interface DelegationsTable {
  id: Generated<number>;
  programme_id: number;
  name: string;
  leading_organisation_id: number | null;
  from_side: Side;
  to_side: Side;
  contact_name: string;
  contact_email: string;
  status: Generated<DelegationStatus>;
  token_hash: string | null;
  language: Generated<string>;
  /** Set while the contact's email address is unconfirmed: the delegation is withdrawn after it. */
  confirm_by: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type MemberRole = 'head' | 'member' | 'teacher' | 'student' | 'observer';
export interface DelegationMembersTable {
  id: Generated<number>;
  delegation_id: number;
  position: number;
  name: string;
  title: Generated<string>;
  organisation: Generated<string>;
  role: MemberRole;
  is_minor: Generated<boolean>;
  guardian_consent_at: NullableTimestamp;
  checked_in_at: NullableTimestamp;
}

export interface DelegationVisitsTable {
  id: Generated<number>;
  delegation_id: number;
  visit_on: string;
  starts_at: string | null;
  host: string;
  host_organisation_id: number | null;
  place: Generated<string>;
  purpose: Generated<string>;
}

export interface DelegationInvitationsTable {
  id: Generated<number>;
  programme_id: number;
  email: string;
  token_hash: string;
  created_by: number | null;
  expires_at: Timestamp;
  delegation_id: number | null;
  used_at: NullableTimestamp;
  created_at: CreatedAt;
}

export type ContestKind = 'patent_portfolio' | 'youth_invention' | 'speech';
export interface ContestsTable {
  translations: Json<Translations>;
  id: Generated<number>;
  item_id: number;
  slug: string;
  kind: ContestKind;
  title: string;
  description: Generated<string>;
  entry_opens_at: NullableTimestamp;
  entry_closes_at: NullableTimestamp;
  blind: Generated<boolean>;
  /** Public entries confirm their email address before they count (double opt-in). */
  confirm_email: Generated<boolean>;
  status: Generated<'draft' | 'open' | 'judging' | 'closed'>;
  results_published_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface ContestCategoriesTable {
  id: Generated<number>;
  contest_id: number;
  code: string;
  name: string;
}

export interface ContestRoundsTable {
  id: Generated<number>;
  contest_id: number;
  position: number;
  name: string;
  aggregation: Generated<'mean' | 'median' | 'trimmed_mean'>;
  normalise: Generated<boolean>;
  status: Generated<'pending' | 'open' | 'closed'>;
  tie_break: Generated<TieBreak>;
  scores_open_to_judges: Generated<boolean>;
}

export type TieBreak = 'criteria' | 'consensus' | 'earliest';

export interface CriteriaTable {
  translations: Json<Translations>;
  id: Generated<number>;
  round_id: number;
  position: number;
  name: string;
  guidance: Generated<string>;
  weight: ColumnType<number, number | string, number | string>;
  max_score: ColumnType<number, number | string, number | string>;
  step: ColumnType<number, number | string | undefined, number | string>;
}

export type ApplicantType = 'enterprise' | 'higher_education' | 'rd_centre' | 'school' | 'individual';
export interface EntriesTable {
  id: Generated<number>;
  contest_id: number;
  category_id: number | null;
  reference: string;
  title: string;
  applicant_name: string;
  applicant_type: ApplicantType;
  organisation_id: number | null;
  side: Side;
  summary: Generated<string>;
  details: Json<Record<string, unknown>>;
  contact_email: string;
  token_hash: string | null;
  status: Generated<'draft' | 'submitted' | 'withdrawn'>;
  language: Generated<string>;
  /** Set while the email address is unconfirmed: the entry is withdrawn after it. */
  confirm_by: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface EntryAttachmentsTable {
  id: Generated<number>;
  entry_id: number;
  filename: string;
  content_type: string;
  size_bytes: number;
  storage_key: string;
  /** The anonymised copy served to blind judges; null for files stored before copies were made. */
  clean_storage_key: string | null;
  created_at: CreatedAt;
}

export interface RoundEntriesTable {
  round_id: number;
  entry_id: number;
}

export interface ContestJudgesTable {
  contest_id: number;
  user_id: number;
}

export interface AssignmentsTable {
  id: Generated<number>;
  round_id: number;
  entry_id: number;
  judge_id: number;
  status: Generated<'assigned' | 'conflicted' | 'draft' | 'submitted'>;
  conflict_reason: string | null;
  submitted_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface ScoresTable {
  assignment_id: number;
  criterion_id: number;
  score: ColumnType<number | null, number | string | null, number | string | null>;
  comment: Generated<string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface AwardTiersTable {
  translations: Json<Translations>;
  id: Generated<number>;
  contest_id: number;
  code: string;
  name: string;
  rank: number;
  quota: number | null;
  is_major: Generated<boolean>;
}

export interface AwardGrantsTable {
  id: Generated<number>;
  tier_id: number;
  entry_id: number;
  reason: string | null;
  granted_by: number | null;
  granted_at: CreatedAt;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: CreatedAt;
  actor_user_id: number | null;
  action: string;
  entity: string;
  entity_id: string;
  changes: Json<Record<string, unknown>>;
  item_id: number | null;
}

export interface MailOutboxTable {
  id: Generated<number>;
  message_id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  attachments: Json<unknown[]>;
  status: Generated<'pending' | 'sent' | 'failed'>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_error: string | null;
  sent_at: NullableTimestamp;
  created_at: CreatedAt;
  item_id: number | null;
  /** The List-Unsubscribe address of a bulk message (RFC 2369); its token is removed once the message is sent. */
  list_unsubscribe: string | null;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  last_failed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  locked_until: NullableTimestamp;
}

/** Fixed-window counters of the rate limits on public forms (src/lib/rate-limit.ts). */
export interface RateLimitsTable {
  key: string;
  window_start: Timestamp;
  count: number;
}

export interface SummaryEditionsTable {
  id: Generated<number>;
  period_id: number;
  published_at: CreatedAt;
  published_by: number | null;
  text_body: string;
  content: Json<unknown>;
}

/** Who an organiser's message goes to: an event's registrants, a programme's delegations, a contest's entrants or judges. */
export type MailingAudience = 'all' | 'confirmed' | 'attended' | 'waitlisted' | 'leaders' | 'delegations' | 'entrants' | 'judges';
/** A mailing names exactly one of its event, programme or contest (migrations/2026-12-05T05-00_mailings.ts). */
export interface MailingsTable {
  id: Generated<number>;
  event_id: number | null;
  programme_id: number | null;
  contest_id: number | null;
  audience: MailingAudience;
  filters: Json<Record<string, string>>;
  subject: string;
  body: string;
  message_ids: Json<string[]>;
  /** Addresses of the audience left out because they had opted out of the list. */
  skipped: Generated<number>;
  created_by: number | null;
  created_at: CreatedAt;
}

export type MailListKind = 'event' | 'programme' | 'contest';
/** An address that asked for no more mailings: of one event, programme or contest, or (owner_id null) of every one of the kind. */
export interface MailOptOutsTable {
  id: Generated<number>;
  email: string;
  list_kind: MailListKind;
  owner_id: number | null;
  created_at: CreatedAt;
}

/** One recipient's unsubscribe link of one mailing; the token itself is only in the message. */
export interface MailUnsubscribeLinksTable {
  token_hash: string;
  mailing_id: number;
  email: string;
  list_kind: MailListKind;
  owner_id: number;
  created_at: CreatedAt;
}

export interface DB {
  organisations: OrganisationsTable;
  users: UsersTable;
  sessions: SessionsTable;
  user_tokens: UserTokensTable;
  recovery_codes: RecoveryCodesTable;
  login_challenges: LoginChallengesTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  sign_in_policy: SignInPolicyTable;
  oidc_identities: OidcIdentitiesTable;
  oidc_logins: OidcLoginsTable;
  periods: PeriodsTable;
  items: ItemsTable;
  item_parties: ItemPartiesTable;
  figures: FiguresTable;
  events: EventsTable;
  event_questions: EventQuestionsTable;
  mailings: MailingsTable;
  mail_opt_outs: MailOptOutsTable;
  mail_unsubscribe_links: MailUnsubscribeLinksTable;
  registrations: RegistrationsTable;
  programmes: ProgrammesTable;
  programme_hosts: ProgrammeHostsTable;
  delegations: DelegationsTable;
  delegation_members: DelegationMembersTable;
  delegation_visits: DelegationVisitsTable;
  delegation_invitations: DelegationInvitationsTable;
  contests: ContestsTable;
  contest_categories: ContestCategoriesTable;
  contest_rounds: ContestRoundsTable;
  criteria: CriteriaTable;
  entries: EntriesTable;
  entry_attachments: EntryAttachmentsTable;
  round_entries: RoundEntriesTable;
  contest_judges: ContestJudgesTable;
  assignments: AssignmentsTable;
  scores: ScoresTable;
  award_tiers: AwardTiersTable;
  award_grants: AwardGrantsTable;
  audit_log: AuditLogTable;
  mail_outbox: MailOutboxTable;
  login_throttle: LoginThrottleTable;
  rate_limits: RateLimitsTable;
  summary_editions: SummaryEditionsTable;
  content_version: ContentVersionTable;
  event_versions: EventVersionsTable;
  round_versions: RoundVersionsTable;
  registration_tallies: RegistrationTalliesTable;
}

export type Organisation = Selectable<OrganisationsTable>;
export type Period = Selectable<PeriodsTable>;
export type Item = Selectable<ItemsTable>;
export type Event = Selectable<EventsTable>;
export type NewEvent = Insertable<EventsTable>;
export type EventUpdate = Updateable<EventsTable>;
export type Registration = Selectable<RegistrationsTable>;
export type Figure = Selectable<FiguresTable>;
export type User = Selectable<UsersTable>;
export type OutboxMessage = Selectable<MailOutboxTable>;

/*
 * Personal-data retention (migrations/2026-11-26T02-00_retention.ts). Declared as additions to
 * the interfaces above: TypeScript merges them.
 */
export interface PeriodsTable {
  /** Participants' personal data is erased this many months after the period ends. */
  retention_months: ColumnType<number | null, number | null | undefined, number | null>;
  /** Or on this date ('YYYY-MM-DD'); at most one of the two is set. */
  erase_personal_data_on: ColumnType<string | null, string | null | undefined, string | null>;
  personal_data_erased_at: NullableTimestamp;
}
export interface RegistrationsTable {
  erased_at: NullableTimestamp;
}
export interface DelegationsTable {
  erased_at: NullableTimestamp;
}
export interface DelegationMembersTable {
  erased_at: NullableTimestamp;
}
export interface EntriesTable {
  erased_at: NullableTimestamp;
}

/* The JSON API (migrations/2026-12-04T02-00_api-tokens.ts), likewise declared as additions. */
export type ApiScope = 'read' | 'registrations' | 'checkin' | 'figures';
export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** sha256 of the token: the token itself is shown once, when it is made. */
  token_hash: string;
  scopes: Json<ApiScope[]>;
  expires_at: Timestamp;
  last_used_at: NullableTimestamp;
  last_used_ip: string | null;
  revoked_at: NullableTimestamp;
  created_at: CreatedAt;
}
/** The answer to a POST with an Idempotency-Key, kept a day; status null while the first request runs. */
export interface ApiIdempotencyKeysTable {
  token_id: number;
  key: string;
  request_hash: string;
  status: number | null;
  response_body: string | null;
  location: string | null;
  created_at: CreatedAt;
}
type TouchedAt = ColumnType<Date, Date | string | undefined, Date | string>;
export interface RegistrationsTable {
  /** Moved by a trigger on every update. */
  updated_at: TouchedAt;
}
export interface ProgrammesTable {
  updated_at: TouchedAt;
}
export interface ContestsTable {
  updated_at: TouchedAt;
}
export interface DB {
  api_tokens: ApiTokensTable;
  api_idempotency_keys: ApiIdempotencyKeysTable;
}

/* Surveys after an event (migrations/2026-12-04T05-00_surveys.ts). */
export type SurveyStatus = 'draft' | 'open';
export type SurveyQuestionKind = 'rating' | 'single' | 'multiple' | 'text';
export const SURVEY_QUESTION_KINDS: readonly SurveyQuestionKind[] = ['rating', 'single', 'multiple', 'text'];
export interface SurveysTable {
  event_id: number;
  status: Generated<SurveyStatus>;
  intro: Generated<string>;
  translations: Json<Translations>;
  closes_at: Timestamp;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export interface SurveyQuestionsTable {
  id: Generated<number>;
  event_id: number;
  position: number;
  kind: SurveyQuestionKind;
  prompt: string;
  /** The choices' English texts; their Chinese ones are in `translations` as lines of `options`. */
  options: Json<string[]>;
  required: Generated<boolean>;
  translations: Json<Translations>;
}
export interface SurveyResponsesTable {
  id: Generated<number>;
  event_id: number;
  /** Unique: one invitation, and one response, per registration. Null once the registration is deleted. */
  registration_id: number | null;
  token_hash: string;
  language: Generated<string>;
  invited_at: CreatedAt;
  submitted_at: NullableTimestamp;
  updated_at: NullableTimestamp;
}
export interface SurveyAnswersTable {
  response_id: number;
  question_id: number;
  event_id: number;
  rating: number | null;
  /** The indexes of the options chosen. */
  choices: ColumnType<number[] | null, string | null | undefined, string | null>;
  text: string | null;
}
export interface DB {
  surveys: SurveysTable;
  survey_questions: SurveyQuestionsTable;
  survey_responses: SurveyResponsesTable;
  survey_answers: SurveyAnswersTable;
}

/* Badges and certificates (migrations/2026-12-04T04-00_certificates-and-badges.ts). */
export interface RegistrationsTable {
  /** When the person's badge was last printed. */
  badge_printed_at: NullableTimestamp;
}
export interface EventsTable {
  certificates_enabled: Generated<boolean>;
  /** The CPD hours an attendance certificate states. */
  cpd_hours: number | null;
}
export type CertificateKind = 'attendance' | 'award';
export interface CertificatesTable {
  id: Generated<number>;
  /** Random, unguessable: what the certificate's QR code and verification page carry. */
  code: string;
  kind: CertificateKind;
  registration_id: number | null;
  award_grant_id: number | null;
  /** The name as printed (a reissue may correct it). */
  name: string;
  language: Generated<string>;
  hours: number | null;
  issued_at: CreatedAt;
  mailed_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  revoked_reason: string | null;
  /** The certificate this one was issued in place of. */
  replaces: number | null;
}
export interface DB {
  certificates: CertificatesTable;
}

/* Webhooks (migrations/2026-12-04T03-00_webhooks.ts). */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';
export interface WebhookEndpointsTable {
  id: Generated<number>;
  /** Whose endpoint it is; NULL: an administrator's, which receives the events of every item. */
  organisation_id: number | null;
  created_by: number | null;
  url: string;
  description: Generated<string>;
  event_types: ColumnType<string[], string[], string[]>;
  /** The Standard Webhooks signing secret (`whsec_…`), readable: it signs every payload. */
  secret: string;
  enabled: Generated<boolean>;
  disabled_reason: 'failures' | null;
  failing_since: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export interface WebhookEventsTable {
  id: Generated<number>;
  message_id: string;
  type: string;
  item_id: number | null;
  payload: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  endpoint_id: number;
  event_id: number;
  status: Generated<WebhookDeliveryStatus>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_attempt_at: NullableTimestamp;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: NullableTimestamp;
  created_at: CreatedAt;
}
export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  attempted_at: CreatedAt;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  response_body: string | null;
}
export interface DB {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

/* The check-in log (migrations/2026-12-04T06-00_checkin-log.ts). */
export type CheckinAction = 'in' | 'out';
export type CheckinOutcome = 'accepted' | 'duplicate' | 'undone' | 'ignored';
export interface CheckinsTable {
  /** Made where the scan happened (a phone's crypto.randomUUID, or the server for the desk). */
  id: string;
  event_id: number;
  registration_id: number;
  action: CheckinAction;
  outcome: CheckinOutcome;
  /** The scanning device's name; null at the desk. */
  device: string | null;
  scanned_at: Timestamp;
  recorded_at: CreatedAt;
  user_id: number | null;
  undoes: string | null;
}
export interface DB {
  checkins: CheckinsTable;
}

/* Registrations managed by organisers, and imports (migrations/2026-12-04T09-00_registrant-management.ts). */
export interface RegistrationsTable {
  /** What the person was told when an organiser cancelled on their behalf. */
  cancel_reason: string | null;
  /** Marked by an organiser: confirmed, but did not come. */
  no_show_at: NullableTimestamp;
  /** The import that registered the person, if one did. */
  import_id: string | null;
}
/** One person of a checked import, as it waits for the organiser's confirmation. */
export type ImportedPerson = { line: number; name: string; email: string; organisation: string; side: Side };
export interface RegistrationImportsTable {
  id: string;
  event_id: number;
  user_id: number | null;
  filename: string;
  rows: Json<ImportedPerson[]>;
  notify: Generated<boolean>;
  created_at: CreatedAt;
  confirmed_at: NullableTimestamp;
}
export interface DB {
  registration_imports: RegistrationImportsTable;
}

/* Judges and entrants kept informed (migrations/2026-12-05T04-00_judge-and-entrant-notices.ts). */
export interface ContestRoundsTable {
  /** When the round is due to close: shown to judges, and what the reminder is timed by. */
  closes_at: NullableTimestamp;
  /** How long before closes_at judges with unfinished sheets are reminded; 0: they are not. */
  reminder_hours: Generated<number>;
}
/** A judge's mail about their assignments in a round: how many it covered, and the last reminder. */
export interface RoundJudgeNoticesTable {
  round_id: number;
  judge_id: number;
  assignments_mailed: Generated<number>;
  assigned_mailed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  reminded_at: NullableTimestamp;
}
export interface DB {
  round_judge_notices: RoundJudgeNoticesTable;
}

/* Scheduled work (migrations/2026-12-05T01-00_jobs.ts). */
export type JobStatus = 'pending' | 'done' | 'failed' | 'cancelled';
export interface JobsTable {
  id: Generated<number>;
  kind: string;
  /** One logical job (`event-reminder:42`): scheduling the key again moves this row. */
  key: string | null;
  payload: Json<Record<string, unknown>>;
  item_id: number | null;
  run_at: Timestamp;
  status: Generated<JobStatus>;
  attempts: Generated<number>;
  /** A claimed job is left to its instance until then; a failed attempt's next try waits until then too. */
  locked_until: NullableTimestamp;
  last_error: string | null;
  created_at: CreatedAt;
  done_at: NullableTimestamp;
}
export interface EventsTable {
  /** The reminder goes this many hours before the start; 0: no reminder. */
  reminder_hours: Generated<number>;
}
export interface DB {
  jobs: JobsTable;
}

/* Email templates (migrations/2026-12-05T03-00_mail-templates.ts): one owner per row. */
export interface MailTemplatesTable {
  id: Generated<number>;
  event_id: number | null;
  programme_id: number | null;
  contest_id: number | null;
  kind: string;
  language: string;
  subject: string;
  body: string;
  updated_by: number | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export interface DB {
  mail_templates: MailTemplatesTable;
}

/* Registration modes and invitations (migrations/2026-12-05T02-00_registration-modes.ts). */
/** Who may register: anyone; anyone, an organiser approving each; only the people invited. */
export const REGISTRATION_MODES = ['open', 'approval', 'invitation'] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];
export const INVITATION_STATUSES = ['invited', 'opened', 'registered', 'declined'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];
export interface EventsTable {
  registration_mode: Generated<RegistrationMode>;
  /** How many reminder rounds the event's invitees have had, and when the last began. */
  invitation_round: Generated<number>;
  invitation_round_at: NullableTimestamp;
}
export interface RegistrationsTable {
  /** Set when an organiser declined a registration awaiting approval (it is then cancelled). */
  declined_at: NullableTimestamp;
}
export interface EventInvitationsTable {
  id: Generated<number>;
  event_id: number;
  name: string;
  email: string;
  organisation: Generated<string>;
  side: Side;
  language: Generated<string>;
  token_hash: string;
  status: Generated<InvitationStatus>;
  registration_id: number | null;
  import_id: string | null;
  invited_by: number | null;
  /** The last reminder round (events.invitation_round) the invitee was reminded in; 0: never. */
  reminded_round: Generated<number>;
  reminded_at: NullableTimestamp;
  opened_at: NullableTimestamp;
  answered_at: NullableTimestamp;
  created_at: CreatedAt;
}
export interface DB {
  event_invitations: EventInvitationsTable;
}

/* Archived programme years (migrations/2026-12-06T11-10_period-archive.ts). */
export interface PeriodsTable {
  /** Set while the year is archived: read-only, its summary served as it read then. */
  archived_at: NullableTimestamp;
  archived_by: ColumnType<number | null, number | null | undefined, number | null>;
  /** The published edition the year was frozen at; set exactly when archived_at is. */
  archived_edition_id: ColumnType<number | null, number | null | undefined, number | null>;
}
/** An archived year's summary page in one language, as it read when archived (src/modules/reports/archive.ts). */
export interface PeriodArchivePagesTable {
  period_id: number;
  locale: string;
  page: Json<unknown>;
}
export interface DB {
  period_archive_pages: PeriodArchivePagesTable;
}
