import type { account as en } from '../en/account.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const account: Partial<Record<keyof typeof en, string>> = {
  'account.login.title': '登录',
  'account.login.lead': '供主办人员、评审及管理员使用。参加者无需开设账户：确认邮件中的链接可用于管理你的报名。',
  'account.login.email': '电子邮箱地址',
  'account.login.submit': '登录',
  'account.login.wrong': '邮箱地址或密码不正确。',
  'account.login.throttledOne': '登录失败次数过多，请于 {minutes} 分钟后再试。',
  'account.login.throttledMany': '登录失败次数过多，请于 {minutes} 分钟后再试。',
  'account.login.signInFirst': '请先登录。',


  'account.forgot.title': '重置密码',
  'account.forgot.sentAfter': '是某个账户的邮箱地址，我们已向其发送链接，供你设置新密码。链接在一小时内有效。',
  'account.forgot.back': '返回登录页面',
  'account.forgot.intro': '请输入你账户的邮箱地址，我们会向你发送链接，供你设置新密码。',
  'account.forgot.submit': '发送链接',
  'account.forgot.throttledOne': '此邮箱地址或你的网络申请链接的次数过多，请于 {minutes} 分钟后再试。',
  'account.forgot.throttledMany': '此邮箱地址或你的网络申请链接的次数过多，请于 {minutes} 分钟后再试。',

  'account.link.title': '此链接已失效',
  'account.link.lead': '我们邮件中的链接只能使用一次，并只在限定时间内有效。此链接已被使用或已过期。',
  'account.link.again': '重新获取链接',

  'account.reset.title': '设置新密码',
  'account.reset.for': '账户',
  'account.reset.forAfter': '。设置新密码后，你在其他地方的登录将全部结束。',
  'account.reset.submit': '保存新密码',

  'account.invitation.withEmail': '身份加入，邮箱地址为',
  'account.invitation.choose': '。请设置密码以开始使用。',
  'account.invitation.submit': '创建我的账户',

  'account.password.newHint': '至少 {min} 个字符。由几个互不相关的词语组成的密码既安全又容易记住。',
  'account.password.tooShort': '请至少使用 {min} 个字符。',
  'account.password.tooLong': '请最多使用 {max} 个字符。',
  'account.password.email': '密码不能包含你的邮箱地址。',
  'account.password.mismatch': '两次输入的密码不一致。',

  'account.show.title': '你的账户',
  'account.show.email': '邮箱',
  'account.show.changed': '你的密码已更改，你在其他地方的登录已全部结束。',
  'account.show.current': '当前密码',
  'account.show.currentWrong': '当前密码不正确。',
  'account.sessions.heading': '你当前的登录',
  'account.sessions.rule': '闲置 {idle} 小时后，或登录满 {absolute} 小时后，登录即会结束。',
  'account.sessions.signedIn': '登录时间',
  'account.sessions.address': 'IP 地址',
  'account.sessions.this': '（本次登录）',
  'account.sessions.end': '退出登录',
  'account.sessions.endOthers': '退出其他所有地方的登录',
  'account.sessions.notFound': '找不到该登录记录。',

  'account.judging.progressConflictOne': '已提交 {done} 份，共 {total} 份 · 已申报 {conflicts} 项利益冲突。',
  'account.judging.progressConflictMany': '已提交 {done} 份，共 {total} 份 · 已申报 {conflicts} 项利益冲突。',

  'account.assignment.breadcrumbs': '导航路径',
  'account.assignment.savedDraft': '你的草稿已保存。提交前你可随时返回修改。',
  'account.assignment.criterion': '（权重 {weight}，0–{max} 分，以 {step} 分为一级）',
  'account.assignment.saveDraft': '保存草稿',
  'account.assignment.submitHint': '提交后评分即会锁定。每项评审准则均需评分方可提交。',
  'account.assignment.declareAfter': '是否存在利益冲突，例如：亲属关系、目前或近期的工作关系、曾就这些专利或此项发明提供意见，或任何其他可能令人觉得你的评审有欠公正的情况。',
  'account.assignment.fileIdentifies': '此文件无法在不透露提交者身份的情况下显示。请向主办人员索取不含姓名的版本。',
  'account.assignment.roundNotOpenForJudging': '此轮次目前不接受评审。',
  'account.assignment.scoreStep': '{criterion}：分数需以 {step} 分为一级。',
  'account.assignment.submittedLocked': '你对此参赛项目的评分已提交并锁定。如需修改，请联系主办人员重新开放。',
  'account.mail.reset.subject': '重置你的 ipcoop 密码',
  'account.mail.reset.body': '有人要求重置你的 ipcoop 账户密码。如要设置新密码，请于一小时内打开以下链接：',
  'account.mail.already.subject': '你已有 ipcoop 账户',
  'account.mail.already.body': '{inviter}尝试邀请你加入 ipcoop，但此电子邮箱地址已有账户。请在 {login} 登录；如忘记密码，可在 {forgot} 申请新密码。',
  'account.mail.invite.accept': '如接受邀请，请于七天内在以下链接设置密码：',
};
