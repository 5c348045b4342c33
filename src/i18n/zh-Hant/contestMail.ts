import type { contestMail as en } from '../en/contestMail.ts';

export const contestMail: Record<keyof typeof en, string> = {
  'contestMail.greeting': '{name}：',

  'contestMail.judge.link': '請在你的評審頁面申報利益衝突，並為每份參賽作品評分：',
  'contestMail.judge.closesAt': '本輪於 {time}（香港時間）結束。',
  'contestMail.judge.closed.subject': '{contest}・{round}已結束',
  'contestMail.judge.closed.body': '{contest}{round}已結束，評分不能再更改。感謝你的付出。',
  'contestMail.judge.closed.next': '下一輪為{next}，開始時會另行通知你。',
  'contestMail.judge.opened.subject': '{contest}・{round}已開始',
  'contestMail.judge.opened.body': '{contest}{round}現已開始評審。參賽作品分配給你時，我們會以電郵通知你。',

  'contestMail.entrant.advanced.subject': '你的參賽作品 {reference} 晉級{round}',
  'contestMail.entrant.advanced.body': '你參加{contest}的作品「{title}」（{reference}）已在{from}中獲選，晉級{round}，由評審繼續評審。',
  'contestMail.entrant.notAdvanced.subject': '你參加{contest}的作品 {reference}',
  'contestMail.entrant.notAdvanced.body': '感謝你參加{contest}。{round}後，你的作品「{title}」（{reference}）未能晉級下一輪。我們感謝你為作品付出的努力。',
  'contestMail.entrant.certificate': '你的獲獎證書記錄於以下網址，任何人都可在此核實；證書本身可在作品頁面下載，該頁面的私人連結載於確認收到作品的電郵：',
  'contestMail.entrant.results': '結果：',
  'contestMail.judge.more': '有更多參賽作品分配給你。新增作品：{added} 份；分配給你的作品合共：{total} 份。',
  'contestMail.judge.unfinished': '尚未完成的評分表：{unfinished} 份（共 {total} 份）。',
  'contestMail.judge.noClosingTime': '本輪結束',
  'contestMail.entrant.awarded': '恭喜！你的作品獲得：{award}。',
  'contestMail.entrant.thanked': '你的作品今次未有獲獎。感謝你的參與。',
};
