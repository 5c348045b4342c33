import { common } from './common.ts';
import { pages } from './pages.ts';
import { participant } from './participant.ts';
import { account } from './account.ts';
import { manage } from './manage.ts';
import { contests } from './contests.ts';

export const messages = { ...common, ...pages, ...participant, ...account, ...manage, ...contests };
