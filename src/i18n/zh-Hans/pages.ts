import type { pages as en } from '../en/pages.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const pages: Partial<Record<keyof typeof en, string>> = {
};
