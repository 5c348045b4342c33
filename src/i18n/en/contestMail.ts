/* The mails that keep judges and entrants informed as a contest moves on (src/modules/contests/messages.ts). */
export const contestMail = {
  'contestMail.greeting': 'Dear {name},',

  'contestMail.judge.link': 'Declare any conflict of interest and score each entry on your judging page:',
  'contestMail.judge.closesAt': 'The round closes on {time} (Hong Kong time).',
  'contestMail.judge.closed.subject': '{round} of {contest} has closed',
  'contestMail.judge.closed.body': '{round} of {contest} has closed, and its scores can no longer be changed. Thank you for your work.',
  'contestMail.judge.closed.next': 'The next round, {next}, follows: you will be told when it opens.',
  'contestMail.judge.opened.subject': '{round} of {contest} is open',
  'contestMail.judge.opened.body': '{round} of {contest} is now open for judging. You will be told by email when entries are assigned to you.',

  'contestMail.entrant.advanced.subject': 'Your entry {reference} goes on to {round}',
  'contestMail.entrant.advanced.body': 'Your entry "{title}" ({reference}) to {contest} has been chosen in {from} and goes on to {round}, where the judges will consider it next.',
  'contestMail.entrant.notAdvanced.subject': 'Your entry {reference} to {contest}',
  'contestMail.entrant.notAdvanced.body': 'Thank you for entering {contest}. After {round}, your entry "{title}" ({reference}) is not among the entries going on to the next round. We are grateful for the work you put into it.',
  'contestMail.entrant.certificate': 'Your award certificate is recorded at this address, where anyone can check it; you can download the certificate itself from your entry\'s page, at the private link in the email that confirmed your entry:',
  'contestMail.entrant.results': 'The results:',
  'contestMail.judge.more': 'More entries have been assigned to you since our last email. New entries: {added}. Entries assigned to you in all: {total}.',
  'contestMail.judge.unfinished': 'Sheets still to finish: {unfinished} of {total}.',
  'contestMail.judge.noClosingTime': 'the end of the round',
  'contestMail.entrant.awarded': 'Congratulations! Your entry has won: {award}.',
  'contestMail.entrant.thanked': 'Your entry has not won an award this time. Thank you for taking part.',
};
