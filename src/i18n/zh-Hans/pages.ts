import type { pages as en } from '../en/pages.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const pages: Partial<Record<keyof typeof en, string>> = {
  'pages.common.breadcrumb': '导航路径',
  'pages.common.plainText': '纯文本',
  'pages.summary.printVersion': '打印版（A4）',
  'pages.summary.word': 'Word 文件',
  'pages.summary.markdown': 'Markdown 文件',
  'pages.summary.justPublished': '已发布。今天的版本已经定稿：其后数据如有更改，只会在此页显示，不会改动该版本。',
  'pages.summary.live': '这是根据当前数据即时计算的摘要。',
  'pages.summary.publishHint': '按当前内容将文字及所有数字定稿。',
  'pages.event.full': '所有名额已满。你可加入候补名单：如有名额空出，会按登记先后次序分配给候补名单上的人员，获分配名额时我们会发送电子邮件通知你。',
  'pages.programme.oneForm': '代表团团长用一份表格填写代表团信息、成员名单及行程。',
  'pages.programme.noDelegations': '暂无代表团。',
  'pages.contest.privateLink': '提交后，我们会通过电子邮件把你参赛项目的专用链接发送给你；截止参赛前，你可通过该链接修改参赛信息。',
};
