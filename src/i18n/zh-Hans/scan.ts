import type { scan as en } from '../en/scan.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const scan: Partial<Record<keyof typeof en, string>> = {
  'manage.scan.intro': '将摄像头对准门票上的二维码。网络中断期间，扫描会保存在此设备上，恢复连接后自动发送。',
  'manage.scan.start': '打开摄像头',
  'manage.scan.stop': '关闭摄像头',
  'manage.scan.camera': '摄像头画面',
  'manage.scan.noCamera': '此处无法使用摄像头：请改用姓名搜索。',
  'manage.scan.device': '此设备的名称',
  'manage.scan.deviceHint': '会在签到记录中显示于每次扫描旁，例如“2号门”。在此设备上设置一次即可。',
  'manage.scan.deviceSave': '保存',
  'manage.scan.deviceNeeded': '请先为此设备命名，然后扫描。',
  'manage.scan.search': '按姓名或机构搜索',
  'manage.scan.online': '已联网：扫描即时发送。',
  'manage.scan.offline': '离线：扫描保存在此设备上，恢复联网后发送。',
  'manage.scan.signInAgain': '登录已超时：请重新登录，以发送保存在此设备上的扫描。',
  'manage.scan.result.queued': '已保存在此设备上，恢复联网后发送。',
  'manage.checkinLog.intro': '签到处及各设备的每次扫描及撤销，最新的在前。两部设备扫描同一人时，以最早的扫描为签到，另一次列为重复。',
  'manage.checkinLog.device': '设备',
};
