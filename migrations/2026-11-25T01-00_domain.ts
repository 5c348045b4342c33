import { type Kysely, sql } from 'kysely';

/*
 * The whole domain of the co-operation programme. Frozen: later changes go in new files.
 * Written as plain DDL (one statement per entry) so it reads like the schema it is and runs
 * the same on PostgreSQL and PGlite.
 */

const statements = [
  // Who takes part
  `CREATE TABLE organisations (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 40),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    side text NOT NULL CHECK (side IN ('GD', 'HK', 'MO', 'CN', 'OTHER')),
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE users (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role text NOT NULL CHECK (role IN ('admin', 'organiser', 'judge')),
    organisation_id integer REFERENCES organisations(id),
    password_hash text,
    disabled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (role <> 'organiser' OR organisation_id IS NOT NULL)
  )`,
  `CREATE UNIQUE INDEX users_email_key ON users (email)`,
  `CREATE TABLE sessions (
    id text PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ip text,
    user_agent text
  )`,
  `CREATE INDEX sessions_user_idx ON sessions (user_id)`,
  `CREATE TABLE user_tokens (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    token_hash text NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,

  // The programme
  `CREATE TABLE periods (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[0-9]{4}-[0-9]{2}$'),
    label text NOT NULL,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    intro text NOT NULL DEFAULT '',
    published_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on)
  )`,
  `CREATE TABLE items (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period_id integer NOT NULL REFERENCES periods(id) ON DELETE CASCADE,
    number integer NOT NULL CHECK (number > 0),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    is_new boolean NOT NULL DEFAULT false,
    status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'in_progress', 'completed')),
    narrative text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (period_id, number)
  )`,
  `CREATE TABLE item_parties (
    item_id integer NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    organisation_id integer NOT NULL REFERENCES organisations(id),
    is_lead boolean NOT NULL DEFAULT false,
    PRIMARY KEY (item_id, organisation_id)
  )`,
  `CREATE INDEX item_parties_organisation_idx ON item_parties (organisation_id)`,
  `CREATE TABLE figures (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id integer NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    key text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9-]*$'),
    label text NOT NULL,
    value numeric NOT NULL CHECK (value >= 0),
    unit text NOT NULL DEFAULT 'count' CHECK (unit IN ('count', 'hkd')),
    recorded_by integer REFERENCES users(id),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (item_id, key)
  )`,

  // Forums, symposia, seminars
  `CREATE TABLE events (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id integer NOT NULL REFERENCES items(id) ON DELETE RESTRICT,
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    kind text NOT NULL CHECK (kind IN ('symposium', 'forum', 'seminar', 'conference', 'expo',
      'exchange_activity', 'visit', 'meeting', 'ceremony', 'training')),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description text NOT NULL DEFAULT '',
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    timezone text NOT NULL DEFAULT 'Asia/Hong_Kong',
    city text NOT NULL DEFAULT '',
    venue text NOT NULL DEFAULT '',
    capacity integer CHECK (capacity > 0),
    confirmed_count integer NOT NULL DEFAULT 0 CHECK (confirmed_count >= 0),
    registration_opens_at timestamptz,
    registration_closes_at timestamptz,
    waitlist_enabled boolean NOT NULL DEFAULT true,
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'closed', 'cancelled')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at >= starts_at),
    CHECK (capacity IS NULL OR confirmed_count <= capacity),
    CHECK (registration_closes_at IS NULL OR registration_opens_at IS NULL
      OR registration_closes_at > registration_opens_at)
  )`,
  `CREATE INDEX events_item_idx ON events (item_id)`,
  `CREATE INDEX events_upcoming_idx ON events (starts_at) WHERE status = 'published'`,
  `CREATE TABLE event_questions (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id integer NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    position integer NOT NULL,
    label text NOT NULL CHECK (length(label) BETWEEN 1 AND 300),
    kind text NOT NULL CHECK (kind IN ('text', 'choice', 'checkbox')),
    required boolean NOT NULL DEFAULT false,
    options jsonb NOT NULL DEFAULT '[]',
    UNIQUE (event_id, position)
  )`,

  // Exchange programmes and delegations
  `CREATE TABLE programmes (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id integer NOT NULL REFERENCES items(id) ON DELETE RESTRICT,
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description text NOT NULL DEFAULT '',
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    capacity integer CHECK (capacity > 0),
    member_count integer NOT NULL DEFAULT 0 CHECK (member_count >= 0),
    public_registration boolean NOT NULL DEFAULT false,
    edit_deadline timestamptz,
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed', 'completed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on),
    CHECK (capacity IS NULL OR member_count <= capacity)
  )`,
  `CREATE INDEX programmes_item_idx ON programmes (item_id)`,
  `CREATE TABLE delegations (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id integer NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    leading_organisation_id integer REFERENCES organisations(id),
    from_side text NOT NULL CHECK (from_side IN ('GD', 'HK', 'MO', 'CN', 'OTHER')),
    to_side text NOT NULL CHECK (to_side IN ('GD', 'HK', 'MO', 'CN', 'OTHER')),
    contact_name text NOT NULL,
    contact_email text NOT NULL,
    status text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'confirmed', 'completed', 'withdrawn')),
    token_hash text UNIQUE,
    language text NOT NULL DEFAULT 'en',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX delegations_programme_idx ON delegations (programme_id)`,
  `CREATE TABLE delegation_members (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delegation_id integer NOT NULL REFERENCES delegations(id) ON DELETE CASCADE,
    position integer NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    title text NOT NULL DEFAULT '',
    organisation text NOT NULL DEFAULT '',
    role text NOT NULL CHECK (role IN ('head', 'member', 'teacher', 'student', 'observer')),
    is_minor boolean NOT NULL DEFAULT false,
    guardian_consent_at timestamptz,
    checked_in_at timestamptz,
    UNIQUE (delegation_id, position)
  )`,
  `CREATE UNIQUE INDEX delegation_members_one_head ON delegation_members (delegation_id) WHERE role = 'head'`,
  `CREATE TABLE delegation_visits (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delegation_id integer NOT NULL REFERENCES delegations(id) ON DELETE CASCADE,
    visit_on date NOT NULL,
    starts_at time,
    host text NOT NULL CHECK (length(host) BETWEEN 1 AND 300),
    host_organisation_id integer REFERENCES organisations(id),
    place text NOT NULL DEFAULT '',
    purpose text NOT NULL DEFAULT ''
  )`,
  `CREATE INDEX delegation_visits_delegation_idx ON delegation_visits (delegation_id, visit_on)`,

  // Contests and judging
  `CREATE TABLE contests (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id integer NOT NULL REFERENCES items(id) ON DELETE RESTRICT,
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    kind text NOT NULL CHECK (kind IN ('patent_portfolio', 'youth_invention', 'speech')),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description text NOT NULL DEFAULT '',
    entry_opens_at timestamptz,
    entry_closes_at timestamptz,
    blind boolean NOT NULL DEFAULT false,
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'judging', 'closed')),
    results_published_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (entry_closes_at IS NULL OR entry_opens_at IS NULL OR entry_closes_at > entry_opens_at)
  )`,
  `CREATE INDEX contests_item_idx ON contests (item_id)`,
  `CREATE TABLE contest_categories (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contest_id integer NOT NULL REFERENCES contests(id) ON DELETE CASCADE,
    code text NOT NULL,
    name text NOT NULL,
    UNIQUE (contest_id, code)
  )`,
  `CREATE TABLE contest_rounds (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contest_id integer NOT NULL REFERENCES contests(id) ON DELETE CASCADE,
    position integer NOT NULL CHECK (position > 0),
    name text NOT NULL,
    aggregation text NOT NULL DEFAULT 'mean' CHECK (aggregation IN ('mean', 'median', 'trimmed_mean')),
    normalise boolean NOT NULL DEFAULT false,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'open', 'closed')),
    UNIQUE (contest_id, position)
  )`,
  `CREATE TABLE criteria (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id integer NOT NULL REFERENCES contest_rounds(id) ON DELETE CASCADE,
    position integer NOT NULL,
    name text NOT NULL,
    guidance text NOT NULL DEFAULT '',
    weight numeric NOT NULL CHECK (weight > 0),
    max_score numeric NOT NULL CHECK (max_score > 0),
    step numeric NOT NULL DEFAULT 1 CHECK (step > 0),
    UNIQUE (round_id, position)
  )`,
  `CREATE TABLE entries (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contest_id integer NOT NULL REFERENCES contests(id) ON DELETE CASCADE,
    category_id integer REFERENCES contest_categories(id),
    reference text NOT NULL,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    applicant_name text NOT NULL CHECK (length(applicant_name) BETWEEN 1 AND 300),
    applicant_type text NOT NULL CHECK (applicant_type IN ('enterprise', 'higher_education', 'rd_centre',
      'school', 'individual')),
    organisation_id integer REFERENCES organisations(id),
    side text NOT NULL CHECK (side IN ('GD', 'HK', 'MO', 'CN', 'OTHER')),
    summary text NOT NULL DEFAULT '',
    details jsonb NOT NULL DEFAULT '{}',
    contact_email text NOT NULL,
    token_hash text UNIQUE,
    status text NOT NULL DEFAULT 'submitted' CHECK (status IN ('draft', 'submitted', 'withdrawn')),
    language text NOT NULL DEFAULT 'en',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (contest_id, reference)
  )`,
  `CREATE INDEX entries_contest_idx ON entries (contest_id)`,
  `CREATE TABLE entry_attachments (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id integer NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    filename text NOT NULL,
    content_type text NOT NULL,
    size_bytes integer NOT NULL CHECK (size_bytes > 0),
    storage_key text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE round_entries (
    round_id integer NOT NULL REFERENCES contest_rounds(id) ON DELETE CASCADE,
    entry_id integer NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    PRIMARY KEY (round_id, entry_id)
  )`,
  `CREATE TABLE contest_judges (
    contest_id integer NOT NULL REFERENCES contests(id) ON DELETE CASCADE,
    user_id integer NOT NULL REFERENCES users(id),
    PRIMARY KEY (contest_id, user_id)
  )`,
  `CREATE TABLE assignments (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id integer NOT NULL REFERENCES contest_rounds(id) ON DELETE CASCADE,
    entry_id integer NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    judge_id integer NOT NULL REFERENCES users(id),
    status text NOT NULL DEFAULT 'assigned' CHECK (status IN ('assigned', 'conflicted', 'draft', 'submitted')),
    conflict_reason text,
    submitted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (round_id, entry_id, judge_id),
    CHECK (status <> 'conflicted' OR conflict_reason IS NOT NULL),
    CHECK ((status = 'submitted') = (submitted_at IS NOT NULL))
  )`,
  `CREATE INDEX assignments_judge_idx ON assignments (judge_id)`,
  `CREATE TABLE scores (
    assignment_id integer NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    criterion_id integer NOT NULL REFERENCES criteria(id) ON DELETE CASCADE,
    score numeric NOT NULL CHECK (score >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assignment_id, criterion_id)
  )`,
  `CREATE TABLE award_tiers (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contest_id integer NOT NULL REFERENCES contests(id) ON DELETE CASCADE,
    code text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9-]*$'),
    name text NOT NULL,
    rank integer NOT NULL CHECK (rank > 0),
    quota integer CHECK (quota > 0),
    is_major boolean NOT NULL DEFAULT false,
    UNIQUE (contest_id, code),
    UNIQUE (contest_id, rank)
  )`,
  `CREATE TABLE award_grants (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tier_id integer NOT NULL REFERENCES award_tiers(id) ON DELETE CASCADE,
    entry_id integer NOT NULL UNIQUE REFERENCES entries(id) ON DELETE CASCADE,
    reason text,
    granted_by integer REFERENCES users(id),
    granted_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX award_grants_tier_idx ON award_grants (tier_id)`,

  // Registrations (after delegations: a registration may belong to a delegation member)
  `CREATE TABLE registrations (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id integer NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    organisation text NOT NULL DEFAULT '',
    side text NOT NULL CHECK (side IN ('GD', 'HK', 'MO', 'CN', 'OTHER')),
    status text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    answers jsonb NOT NULL DEFAULT '{}',
    token_hash text NOT NULL UNIQUE,
    language text NOT NULL DEFAULT 'en',
    delegation_member_id integer REFERENCES delegation_members(id) ON DELETE SET NULL,
    checked_in_at timestamptz,
    cancelled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    CHECK (checked_in_at IS NULL OR status = 'confirmed')
  )`,
  `CREATE UNIQUE INDEX registrations_one_live_per_email ON registrations (event_id, email) WHERE status <> 'cancelled'`,
  `CREATE INDEX registrations_event_status_idx ON registrations (event_id, status, created_at)`,

  // Record keeping
  `CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor_user_id integer REFERENCES users(id),
    action text NOT NULL,
    entity text NOT NULL,
    entity_id text NOT NULL,
    changes jsonb NOT NULL DEFAULT '{}'
  )`,
  `CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id)`,
  `CREATE TABLE mail_outbox (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id text NOT NULL UNIQUE,
    to_address text NOT NULL,
    subject text NOT NULL,
    text_body text NOT NULL,
    html_body text,
    attachments jsonb NOT NULL DEFAULT '[]',
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    sent_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status = 'pending'`,
];

const tables = [
  'mail_outbox', 'audit_log', 'registrations', 'award_grants', 'award_tiers', 'scores', 'assignments',
  'contest_judges', 'round_entries', 'entry_attachments', 'entries', 'criteria', 'contest_rounds',
  'contest_categories', 'contests', 'delegation_visits', 'delegation_members', 'delegations', 'programmes',
  'event_questions', 'events', 'figures', 'item_parties', 'items', 'periods', 'user_tokens', 'sessions',
  'users', 'organisations',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of tables) await sql.raw(`DROP TABLE IF EXISTS ${table}`).execute(db);
}
