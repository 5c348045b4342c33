import type { certificates as en } from '../en/certificates.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const certificates: Partial<Record<keyof typeof en, string>> = {
  'certificates.verify.hours': '继续专业发展学时',
  'certificates.manage.hours': '证书注明的继续专业发展学时',
  'certificates.pdf.hours': '继续专业发展学时：{hours} 学时',
  'certificates.pdf.verify': '核实本证书（编号 {code}）：',
  'certificates.mail.verify': '任何人都可在以下网址（亦载于证书的二维码）核实证书的真伪：',
  'certificates.errors.nameLong': '姓名不可超过 {max} 个字符。',
  'certificates.errors.reasonLong': '原因不可超过 {max} 个字符。',
  'certificates.manage.save': '保存',
  'certificates.manage.saved': '证书设置已保存。',
  'badges.layouts.label': '标签打印机，每张标签一个 90 × 55 毫米名牌',
  'badges.print': '打印（PDF）',
  'badges.printed': '已打印',
  'badges.notPrinted': '尚未打印',
  'badges.printedAt': '名牌打印时间',
  'badges.choose': '为{name}打印',
  'badges.searchButton': '搜索',
  'badges.errors.search': '搜索字词最多 {max} 个字符。',
  'badges.never': '尚未打印',
  'badges.filters.unprinted': '尚未打印的人士',
  'badges.filter': '打印对象',
  'badges.errors.filter': '请选择打印对象。',
  'badges.errors.nobody': '按此选择没有需要打印名牌的人士。',
  'badges.personHint': '只在为一位人士打印时适用。',
  'badges.intro': '为所有已确认的人士、尚未打印名牌的人士或某一位人士打印名牌（以其本人文字书写的姓名、机构、代表所属地区的色带，以及门口扫描器可读取的二维码门票）或桌牌。打印时会为每位人士记录时间。',
};
