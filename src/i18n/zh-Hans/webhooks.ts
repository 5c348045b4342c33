import type { webhooks as en } from '../en/webhooks.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const webhooks: Partial<Record<keyof typeof en, string>> = {
  'webhooks.errors.privateAddress': '消息只会发送至公开网址，不会发送至本机或私有网络。',
  'webhooks.errors.credentials': '请勿在网址中填写用户名及密码。',
};
