import { type Kysely, sql } from 'kysely';

// Badges and certificates.
//
// registrations.badge_printed_at: when the person's badge was last printed, so that the night
// before an event the organiser can print only the badges not printed yet.
//
// events.certificates_enabled / cpd_hours: whether the event gives attendance certificates, and
// the continuing-professional-development hours they state (none: the certificate states none).
//
// certificates: one row per certificate issued, attendance (a registration) or award (a grant).
// `code` is random and is what the certificate's QR code and verification page carry. A
// certificate is never changed once issued, only revoked; a reissue (a corrected name) revokes the
// old one and issues a new one that `replaces` it. The partial unique indexes allow one live
// certificate per registration and per grant: two instances issuing at the same time write one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE registrations ADD COLUMN badge_printed_at timestamptz`.execute(db);
  await sql`ALTER TABLE events ADD COLUMN certificates_enabled boolean NOT NULL DEFAULT false`.execute(db);
  await sql`ALTER TABLE events ADD COLUMN cpd_hours numeric(4, 1) CHECK (cpd_hours > 0 AND cpd_hours <= 100)`.execute(db);
  await sql`CREATE TABLE certificates (
    id serial PRIMARY KEY,
    code text NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('attendance', 'award')),
    registration_id integer REFERENCES registrations (id) ON DELETE CASCADE,
    award_grant_id integer REFERENCES award_grants (id) ON DELETE CASCADE,
    name text NOT NULL,
    language text NOT NULL DEFAULT 'en',
    hours numeric(4, 1),
    issued_at timestamptz NOT NULL DEFAULT now(),
    mailed_at timestamptz,
    revoked_at timestamptz,
    revoked_reason text,
    replaces integer REFERENCES certificates (id) ON DELETE SET NULL,
    CHECK ((kind = 'attendance') = (registration_id IS NOT NULL)),
    CHECK ((kind = 'award') = (award_grant_id IS NOT NULL))
  )`.execute(db);
  await sql`CREATE UNIQUE INDEX certificates_live_registration ON certificates (registration_id) WHERE revoked_at IS NULL`.execute(db);
  await sql`CREATE UNIQUE INDEX certificates_live_grant ON certificates (award_grant_id) WHERE revoked_at IS NULL`.execute(db);
  await sql`CREATE INDEX certificates_registration_idx ON certificates (registration_id)`.execute(db);
  await sql`CREATE INDEX certificates_unmailed_idx ON certificates (id) WHERE mailed_at IS NULL AND kind = 'attendance'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE certificates`.execute(db);
  await sql`ALTER TABLE events DROP COLUMN cpd_hours`.execute(db);
  await sql`ALTER TABLE events DROP COLUMN certificates_enabled`.execute(db);
  await sql`ALTER TABLE registrations DROP COLUMN badge_printed_at`.execute(db);
}
