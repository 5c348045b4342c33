import type { account as en } from '../en/account.ts';

/* Traditional Chinese (Hong Kong): signing in, the account page, and judging. */
export const account: Record<keyof typeof en, string> = {
};
