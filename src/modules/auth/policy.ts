import type { Database, Executor } from '../../db/index.ts';
import { Refusal } from '../../lib/errors.ts';
import { localeOf, translator } from '../../lib/i18n.ts';
import { recordAudit } from '../audit/service.ts';
import { queueMail } from '../mail/outbox.ts';
import { deleteUserSessions } from './queries.ts';
import type { CurrentUser } from './service.ts';

// The sign-in policy (which roles must have a second factor) and an administrator's reset of a
// user's factors, for someone who lost their phone and their recovery codes.

export type SignInPolicy = { organisers: boolean; judges: boolean };

export async function signInPolicy(db: Executor): Promise<SignInPolicy & { updatedAt: Date }> {
  const row = await db.selectFrom('sign_in_policy').select(['second_factor_organisers', 'second_factor_judges', 'updated_at'])
    .executeTakeFirstOrThrow();
  return { organisers: row.second_factor_organisers, judges: row.second_factor_judges, updatedAt: row.updated_at };
}

export async function setSignInPolicy(db: Database, admin: CurrentUser, next: SignInPolicy) {
  await db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('sign_in_policy').select(['second_factor_organisers', 'second_factor_judges'])
      .forUpdate().executeTakeFirstOrThrow();
    await trx.updateTable('sign_in_policy').set({
      second_factor_organisers: next.organisers, second_factor_judges: next.judges, updated_at: new Date(), updated_by: admin.id,
    }).execute();
    await recordAudit(trx, admin.id, 'set_sign_in_policy', 'sign_in_policy', 1, {
      second_factor_organisers: { from: before.second_factor_organisers, to: next.organisers },
      second_factor_judges: { from: before.second_factor_judges, to: next.judges },
    });
  });
}

/** How many users of each role have a second factor, for the policy page. */
export async function enrolmentCounts(db: Executor) {
  const rows = await db.selectFrom('users as u')
    .where('u.disabled_at', 'is', null)
    .select((eb) => [
      'u.role',
      eb.fn.countAll<string>().as('total'),
      eb.fn.countAll<string>().filterWhere((w) => w.or([
        w('u.totp_secret', 'is not', null),
        w.exists(w.selectFrom('passkeys as p').select('p.id').whereRef('p.user_id', '=', 'u.id')),
      ])).as('enrolled'),
    ])
    .groupBy('u.role').execute();
  return rows.map((r) => ({ role: r.role, total: Number(r.total), enrolled: Number(r.enrolled) }));
}

/** The user's second factors, for the administrators' user list. */
export async function factorSummary(db: Executor, userId: number) {
  const row = await db.selectFrom('users as u').where('u.id', '=', userId)
    .select((eb) => [
      'u.totp_secret',
      eb.selectFrom('passkeys as p').select((p) => p.fn.countAll<string>().as('n')).whereRef('p.user_id', '=', 'u.id').as('passkeys'),
    ])
    .executeTakeFirst();
  return row ? { totp: row.totp_secret !== null, passkeys: Number(row.passkeys ?? 0) } : null;
}

/**
 * Removes every second factor of a user (the authenticator app, its recovery codes, the
 * passkeys) and ends their sessions: they sign in again with the password, and the policy, where
 * it covers them, leads them through enrolment. Audited, and the user is told by email (so that
 * a reset they did not ask for does not go unnoticed).
 */
export async function resetFactors(db: Database, admin: CurrentUser, userId: number, mail: { baseUrl: string; domain: string }) {
  if (userId === admin.id) throw Refusal.conflict('account.policy.resetSelf');
  await db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').select(['id', 'email', 'name', 'language', 'totp_secret'])
      .where('id', '=', userId).forUpdate().executeTakeFirst();
    if (!user) throw Refusal.notFound('account.policy.userNotFound');
    const passkeys = await trx.deleteFrom('passkeys').where('user_id', '=', userId).returning('name').execute();
    const codes = await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).executeTakeFirst();
    await trx.updateTable('users').set({ totp_secret: null, totp_last_step: null }).where('id', '=', userId).execute();
    await trx.deleteFrom('login_challenges').where('user_id', '=', userId).execute();
    await deleteUserSessions(trx, userId);
    await recordAudit(trx, admin.id, 'reset_factors', 'user', userId, {
      totp: user.totp_secret !== null, passkeys: passkeys.map((p) => p.name), recovery_codes: Number(codes.numDeletedRows),
    });
    const t = translator(localeOf(user.language));
    await queueMail(trx, {
      to: user.email,
      subject: t('account.mail.factorsReset.subject'),
      text: [
        t('account.mail.dear', { name: user.name }),
        '',
        t('account.mail.factorsReset.body', { admin: admin.name }),
        '',
        `${mail.baseUrl}/login`,
        '',
        t('account.mail.factorsReset.notYou'),
      ].join('\n'),
    }, mail.domain);
  });
}
