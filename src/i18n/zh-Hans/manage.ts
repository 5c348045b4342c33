import type { manage as en } from '../en/manage.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const manage: Partial<Record<keyof typeof en, string>> = {
};
