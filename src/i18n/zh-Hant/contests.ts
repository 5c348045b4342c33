import type { contests as en } from '../en/contests.ts';

/* Traditional Chinese (Hong Kong): organisers: contests (setup, rounds, ranking, awards) and exchange programmes, data retention. */
export const contests: Record<keyof typeof en, string> = {
};
