import { buildTemplate } from './helpers/database.ts';

await buildTemplate();
