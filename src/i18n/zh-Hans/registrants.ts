import type { registrants as en } from '../en/registrants.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const registrants: Partial<Record<keyof typeof en, string>> = {
  'common.tableFile.oldExcel': '这是旧式 Excel 文件（.xls）。请另存为 Excel 工作簿（.xlsx）或 CSV UTF-8，然后再发送。',
  'common.tableFile.notTable': '这不是 CSV 文件或 Excel 工作簿（.xlsx）。',
  'manage.registrants.resend': '再次发送链接',
  'manage.registrants.resent': '新链接已发给对方。',
  'manage.import.intro': 'CSV 文件或 Excel 工作簿（.xlsx），最多 {max} 人及 {mb} MB。在你核对并确认名单之前，不会登记任何人。',
  'manage.import.notify': '以电子邮件向每人发送确认及入场券',
};
