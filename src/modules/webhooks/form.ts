import { isIP } from 'node:net';
import { z } from 'zod';
import { field } from '../../lib/forms.ts';
import { bareHost, isPublicAddress } from './address.ts';
import { EVENT_TYPES } from './events.ts';

export const URL_MAX = 2000;
export const DESCRIPTION_MAX = 500;

export type UrlRules = { requireHttps: boolean; allowPrivate: boolean };

/**
 * What an endpoint's URL must be. An address literal (or `localhost`) that is not public is
 * refused here already; a name is checked again, after resolution, at every delivery.
 */
function checkUrl(value: string, rules: UrlRules, ctx: z.RefinementCtx) {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'webhooks.errors.url' });
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: 'webhooks.errors.url' });
  else if (rules.requireHttps && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'webhooks.errors.https' });
  else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'webhooks.errors.credentials' });
  else if (!rules.allowPrivate) {
    const host = bareHost(url).toLowerCase();
    const local = host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && !isPublicAddress(host));
    if (local) ctx.addIssue({ code: 'custom', message: 'webhooks.errors.privateAddress' });
  }
}

/** The endpoint form: URL, description, the event types it receives, and whether it is on. */
export function endpointForm(rules: UrlRules) {
  return z.object({
    url: field.text({ missing: 'webhooks.errors.urlMissing', tooLong: 'webhooks.errors.urlLength' }, URL_MAX)
      .superRefine((value, ctx) => checkUrl(value, rules, ctx)),
    description: field.optionalText('webhooks.errors.descriptionLength', DESCRIPTION_MAX),
    event_types: z.union([z.string(), z.array(z.string())], { error: 'webhooks.errors.eventTypes' })
      .transform((v) => [v].flat())
      .pipe(z.array(z.enum(EVENT_TYPES, { error: 'webhooks.errors.eventTypes' })).min(1, 'webhooks.errors.eventTypes'))
      .transform((types) => EVENT_TYPES.filter((t) => types.includes(t))),
    enabled: z.literal('on').optional().transform((v) => v === 'on'),
  });
}

export type EndpointInput = z.output<ReturnType<typeof endpointForm>>;
