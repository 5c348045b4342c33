import { ensureTemplate } from './helpers/database.ts';

// Builds the seeded template, or reuses the one an earlier run built from the same files when it
// is still fresh (see test/helpers/database.ts).
await ensureTemplate({ strict: true });
