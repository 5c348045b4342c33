import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { access } from '../../lib/access.ts';
import { notFound } from '../../lib/errors.ts';
import { field, parseForm } from '../../lib/forms.ts';
import { LOCALE_NAMES, LOCALES } from '../../lib/i18n.ts';
import type { CurrentUser } from '../auth/service.ts';
import { invitableRoles, inviteUser, updateUser } from './service.ts';

const roles = ['admin', 'organiser', 'judge'] as const;

const inviteForm = z.object({
  name: field.text('a name'),
  email: field.email(),
  role: field.choice(roles, 'Choose a role.'),
  organisation_id: z.string().optional().default(''),
  // Without a choice (an older form), the inviter's own language.
  language: field.choice(LOCALES, 'Choose the language of their emails.').optional(),
});

const userForm = z.object({
  role: field.choice(roles, 'Choose a role.'),
  organisation_id: z.string().optional().default(''),
  disabled: z.literal('on').optional().transform((v) => v === 'on'),
});

const idParam = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

export async function userRoutes(app: FastifyInstance) {
  const mail = () => ({ baseUrl: app.config.baseUrl, domain: app.mail.domain });

  const organisations = () => app.db.selectFrom('organisations').select(['id', 'code', 'name']).orderBy('code').execute();

  const listView = async (user: CurrentUser) => {
    let q = app.db.selectFrom('users as u').leftJoin('organisations as o', 'o.id', 'u.organisation_id')
      .select(['u.id', 'u.name', 'u.email', 'u.role', 'u.disabled_at', 'u.password_hash', 'o.code as organisation_code'])
      .orderBy('u.role').orderBy('u.email');
    if (user.role !== 'admin') q = q.where('u.role', '=', 'judge');
    const users = (await q.execute()).map(({ password_hash, ...u }) => ({ ...u, pending: password_hash === null }));
    return { title: user.role === 'admin' ? 'Users' : 'Judges', users, organisations: await organisations(), roles: invitableRoles(user), languages: LOCALES.map((l) => ({ value: l, label: LOCALE_NAMES[l] })) };
  };

  app.get('/manage/users', access('organiser'), async (request, reply) =>
    reply.view('manage/users', { ...(await listView(request.user as CurrentUser)), values: { language: request.locale }, errors: {}, invited: null }));

  app.post('/manage/users/invite', access('organiser'), async (request, reply) => {
    const user = request.user as CurrentUser;
    const form = parseForm(inviteForm, request.body);
    const errors: Record<string, string> = form.ok ? {} : { ...form.errors };
    let organisationId: number | null = null;
    if (form.ok) {
      if (!invitableRoles(user).includes(form.data.role)) errors.role = 'You can invite judges only.';
      const org = (await organisations()).find((o) => String(o.id) === form.data.organisation_id);
      if (form.data.role === 'organiser') {
        if (!org) errors.organisation_id = 'Choose the organisation the organiser belongs to.';
        else organisationId = org.id;
      } else if (form.data.organisation_id && !org) {
        errors.organisation_id = 'Choose an organisation from the list.';
      }
    }
    if (!form.ok || Object.keys(errors).length) {
      return reply.code(400).view('manage/users', { ...(await listView(user)), values: form.ok ? form.data : form.values, errors, invited: null });
    }
    await inviteUser(app.db, user, { ...form.data, organisationId, language: form.data.language ?? request.locale }, mail());
    return reply.view('manage/users', { ...(await listView(user)), values: { language: request.locale }, errors: {}, invited: form.data.email });
  });

  app.post('/manage/users/:id', access('admin'), async (request, reply) => {
    const parsed = idParam.safeParse(request.params);
    if (!parsed.success) throw notFound('user');
    const user = request.user as CurrentUser;
    const form = parseForm(userForm, request.body);
    if (!form.ok) {
      return reply.code(400).view('manage/users', { ...(await listView(user)), values: {}, errors: form.errors, invited: null });
    }
    const org = (await organisations()).find((o) => String(o.id) === form.data.organisation_id) ?? null;
    if ((form.data.role === 'organiser' || form.data.organisation_id) && !org) {
      return reply.code(400).view('manage/users', {
        ...(await listView(user)), values: {}, invited: null,
        errors: { organisation_id: form.data.role === 'organiser' ? 'An organiser must belong to an organisation.' : 'Choose an organisation from the list.' },
      });
    }
    if (parsed.data.id === user.id && (form.data.disabled || form.data.role !== 'admin')) {
      return reply.code(400).view('manage/users', {
        ...(await listView(user)), values: {}, errors: { role: 'You cannot remove your own administrator access.' }, invited: null,
      });
    }
    const changed = await updateUser(app.db, user, parsed.data.id, { ...form.data, organisation_id: org?.id ?? null });
    if (!changed) throw notFound('user');
    return reply.redirect('/manage/users', 303);
  });
}
