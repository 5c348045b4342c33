import type { archive as en } from '../en/archive.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const archive: Partial<Record<keyof typeof en, string>> = {
  'archive.listIntro': '只读：其网页、清单、导出文件及摘要仍可查阅。',
  'archive.page.readOnly': '年度内容不能再更改。其网页、清单、导出文件及证书仍可查阅。',
  'archive.confirm.kept': '所有登记、代表团、参赛作品、评分及奖项均会保留，其网页、清单、导出文件及证书仍可查阅；',
};
