import type { Database, Executor } from '../../db/index.ts';
import type { Role } from '../../db/types.ts';
import { type FormErrors, Refusal } from '../../lib/errors.ts';
import { formatFor } from '../../lib/format.ts';
import { type Locale, localeOf, translator } from '../../lib/i18n.ts';
import { idParam } from '../../lib/params.ts';
import { changedFields, recordAudit } from '../audit/service.ts';
import { type CurrentUser, issueLink } from '../auth/service.ts';
import { queueMail } from '../mail/outbox.ts';

/**
 * `organisation_id`: as chosen from the form's list ('' for none). An organiser must have one; a
 * judge keeps the one they work for (never given its entries: the automatic conflict of
 * interest), or none for an independent judge; an administrator has none.
 * `language`: the language of the invitee's emails, this one first.
 */
export type Invitation = { name: string; email: string; role: Role; organisation_id: string; language: Locale };
export type MailContext = { baseUrl: string; domain: string };

/** Roles a user may invite: admins anyone, organisers only judges. */
export const invitableRoles = (actor: CurrentUser): Role[] => (actor.role === 'admin' ? ['admin', 'organiser', 'judge'] : ['judge']);

/** The organisation chosen from a form's list, or null when none was chosen or the choice names none. */
async function listedOrganisation(db: Executor, chosen: string): Promise<number | null> {
  const id = idParam.safeParse(chosen);
  if (!id.success) return null;
  const row = await db.selectFrom('organisations').select('id').where('id', '=', id.data).executeTakeFirst();
  return row?.id ?? null;
}

/**
 * Creates the account and mails a single-use invitation link, in one transaction. If the address
 * already has an account, that address is told so instead: the inviter sees the same answer.
 */
export async function inviteUser(db: Database, actor: CurrentUser, invite: Invitation, mail: MailContext) {
  await db.transaction().execute(async (trx) => {
    const errors: FormErrors = {};
    if (!invitableRoles(actor).includes(invite.role)) errors.role = 'manage.users.errors.judgesOnly';
    const listed = await listedOrganisation(trx, invite.organisation_id);
    if (invite.role === 'organiser' && listed === null) errors.organisation_id = 'manage.users.errors.organiserOrganisation';
    else if (invite.organisation_id && listed === null) errors.organisation_id = 'manage.users.errors.organisationList';
    if (Object.keys(errors).length) throw Refusal.form(errors);
    const organisationId = invite.role === 'admin' ? null : listed;
    const existing = await trx.selectFrom('users').select(['id', 'name', 'language']).where('email', '=', invite.email).executeTakeFirst();
    if (existing) {
      // The account's own language, not the one the inviter chose.
      const t = translator(localeOf(existing.language));
      await queueMail(trx, {
        to: invite.email,
        subject: t('account.mail.already.subject'),
        text: `${t('account.mail.dear', { name: existing.name })}\n\n${t('account.mail.already.body', {
          inviter: actor.name, login: `${mail.baseUrl}/login`, forgot: `${mail.baseUrl}/password/forgot`,
        })}`,
      }, mail.domain);
      return;
    }
    const user = await trx.insertInto('users').values({
      email: invite.email,
      name: invite.name,
      role: invite.role,
      organisation_id: organisationId,
      language: invite.language,
    }).returning('id').executeTakeFirstOrThrow();
    const t = translator(invite.language);
    const token = await issueLink(trx, user.id, 'invitation');
    await queueMail(trx, {
      to: invite.email,
      subject: t('account.mail.invite.subject'),
      text: [
        t('account.mail.dear', { name: invite.name }),
        '',
        t('account.mail.invite.body', { inviter: actor.name, role: formatFor(invite.language).label(invite.role) }),
        '',
        t('account.mail.invite.accept'),
        '',
        `${mail.baseUrl}/invitations/${token}`,
      ].join('\n'),
    }, mail.domain);
    await recordAudit(trx, actor.id, 'invite', 'user', user.id,
      { email: invite.email, role: invite.role, organisation_id: organisationId, language: invite.language });
  });
}

/** `organisation_id`: as chosen from the form's list ('' for none); kept as for an invitation. */
export type UserChanges = { role: Role; organisation_id: string; disabled: boolean };

/** Changes a user's role, organisation or standing; disabling ends their sessions. */
export async function updateUser(db: Database, actor: CurrentUser, userId: number, changes: UserChanges) {
  return db.transaction().execute(async (trx) => {
    const listed = await listedOrganisation(trx, changes.organisation_id);
    if (changes.role === 'organiser' && listed === null) throw Refusal.form({ organisation_id: 'manage.users.errors.organiserMustBelong' });
    if (changes.organisation_id && listed === null) throw Refusal.form({ organisation_id: 'manage.users.errors.organisationList' });
    const dropsOwnAccess = userId === actor.id && (changes.disabled || changes.role !== 'admin');
    if (dropsOwnAccess) throw Refusal.form({ role: 'manage.users.errors.ownAccess' });
    const before = await trx.selectFrom('users').select(['id', 'role', 'organisation_id', 'disabled_at'])
      .where('id', '=', userId).forUpdate().executeTakeFirst();
    if (!before) throw Refusal.notFound('manage.notFound.user');
    const next = {
      role: changes.role,
      organisation_id: changes.role === 'admin' ? null : listed,
      disabled_at: changes.disabled ? (before.disabled_at ?? new Date()) : null,
    };
    const diff = changedFields(before, next);
    if (Object.keys(diff).length === 0) return diff;
    await trx.updateTable('users').set(next).where('id', '=', userId).execute();
    if (changes.disabled || diff.role) await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    await recordAudit(trx, actor.id, 'update', 'user', userId, diff);
    return diff;
  });
}
