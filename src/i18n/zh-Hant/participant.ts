import type { participant as en } from '../en/participant.ts';

/* Traditional Chinese (Hong Kong): registering, delegations and contest entries: forms, private manage pages, their emails. */
export const participant: Record<keyof typeof en, string> = {
};
