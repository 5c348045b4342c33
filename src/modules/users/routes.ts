import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { attempt, type FormErrors } from '../../lib/errors.ts';
import { field, type FormValues, parseForm } from '../../lib/forms.ts';
import { LOCALE_NAMES, LOCALES } from '../../lib/i18n.ts';
import { idParams, readParams } from '../../lib/params.ts';
import { requireUser } from '../auth/plugin.ts';
import type { CurrentUser } from '../auth/service.ts';
import { invitableRoles, inviteUser, updateUser } from './service.ts';

const roles = ['admin', 'organiser', 'judge'] as const;

const inviteForm = z.object({
  name: field.text({ missing: 'manage.users.errors.name', tooLong: 'manage.users.errors.nameLength' }),
  email: field.email(),
  role: field.choice(roles, 'manage.users.errors.role'),
  organisation_id: z.string().optional().default(''),
  // Without a choice (an older form), the inviter's own language.
  language: field.choice(LOCALES, 'manage.users.errors.language').optional(),
});

const userForm = z.object({
  role: field.choice(roles, 'manage.users.errors.role'),
  organisation_id: z.string().optional().default(''),
  disabled: z.literal('on').optional().transform((v) => v === 'on'),
});

export async function userRoutes(app: FastifyInstance) {
  const mail = () => ({ baseUrl: app.config.baseUrl, domain: app.mail.domain });

  /** The list of users (an organiser sees judges only) with the invitation form. */
  const listPage = async (reply: FastifyReply, user: CurrentUser, form: { values: FormValues; errors?: FormErrors; invited?: string }) => {
    let q = app.db.selectFrom('users as u').leftJoin('organisations as o', 'o.id', 'u.organisation_id')
      .select(['u.id', 'u.name', 'u.email', 'u.role', 'u.disabled_at', 'u.password_hash', 'o.code as organisation_code'])
      .orderBy('u.role').orderBy('u.email');
    if (user.role !== 'admin') q = q.where('u.role', '=', 'judge');
    const users = (await q.execute()).map(({ password_hash, ...u }) => ({ ...u, pending: password_hash === null }));
    const organisations = await app.db.selectFrom('organisations').select(['id', 'code', 'name']).orderBy('code').execute();
    const errors = form.errors ?? {};
    return reply.code(Object.keys(errors).length ? 400 : 200).view('manage/users', {
      title: user.role === 'admin' ? 'manage.nav.users' : 'manage.nav.judges',
      users, organisations, roles: invitableRoles(user), languages: LOCALES.map((l) => ({ value: l, label: LOCALE_NAMES[l] })),
      values: form.values, errors, invited: form.invited ?? null,
    });
  };

  app.get('/manage/users', access('organiser'), async (request, reply) =>
    listPage(reply, requireUser(request), { values: { language: request.locale } }));

  app.post('/manage/users/invite', access('organiser'), async (request, reply) => {
    const user = requireUser(request);
    const form = parseForm(inviteForm, request.body);
    if (!form.ok) return listPage(reply, user, form);
    const invite = { ...form.data, language: form.data.language ?? request.locale };
    const sent = await attempt(() => inviteUser(app.db, user, invite, mail()));
    if (!sent.ok) return listPage(reply, user, { values: form.data, errors: sent.errors });
    return listPage(reply, user, { values: { language: request.locale }, invited: form.data.email });
  });

  app.post('/manage/users/:id', access('admin'), async (request, reply) => {
    const { id } = readParams(idParams, request.params);
    const user = requireUser(request);
    const form = parseForm(userForm, request.body);
    const changed = form.ok ? await attempt(() => updateUser(app.db, user, id, form.data)) : form;
    if (!changed.ok) return listPage(reply, user, { values: {}, errors: changed.errors });
    return reply.redirect('/manage/users', 303);
  });
}
