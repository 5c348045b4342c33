import { common } from './common.ts';
import { pages } from './pages.ts';
import { participant } from './participant.ts';
import { account } from './account.ts';
import { manage } from './manage.ts';
import { contests } from './contests.ts';
import { api } from './api.ts';
import { webhooks } from './webhooks.ts';
import { surveys } from './surveys.ts';
import { scan } from './scan.ts';
import { certificates } from './certificates.ts';
import { registrants } from './registrants.ts';
import { modes } from './modes.ts';
import { contestMail } from './contestMail.ts';
import { mailTemplates } from './mailTemplates.ts';
import { scheduled } from './scheduled.ts';
import { mailings } from './mailings.ts';
import { archive } from './archive.ts';

export const messages = {
  ...common, ...pages, ...participant, ...account, ...manage, ...contests, ...api, ...webhooks,
  ...surveys, ...scan, ...certificates, ...registrants, ...modes, ...contestMail, ...mailTemplates, ...scheduled, ...mailings,
  ...archive,
};
