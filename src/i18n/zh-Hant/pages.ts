import type { pages as en } from '../en/pages.ts';

/* Traditional Chinese (Hong Kong): public pages: home, programme years and the summary, events, programmes, contests and results. */
export const pages: Record<keyof typeof en, string> = {
};
