import type { manage as en } from '../en/manage.ts';

/* Traditional Chinese (Hong Kong): organisers: items, events, check-in, mail, audit, users, reports. */
export const manage: Record<keyof typeof en, string> = {
};
