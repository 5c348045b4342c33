import { z } from 'zod';
import { cleanText } from '../../lib/forms.ts';

/** At most this many scans in one batch: a device sends what it kept in several batches. */
export const MAX_SCANS = 500;

const when = z.iso.datetime({ offset: true }).transform((s) => new Date(s))
  .refine((d) => d.getUTCFullYear() >= 2000, 'time');

/** One scan as a phone scanner (or a door system) sends it. */
const scan = z.strictObject({
  id: z.uuid(),
  action: z.enum(['in', 'out']),
  code: z.string().max(300).optional(),
  registration: z.number().int().positive().max(2_147_483_647).optional(),
  at: when,
  undoes: z.uuid().nullable().optional(),
}).refine((s) => (s.code === undefined) !== (s.registration === undefined), 'code or registration');

/** A batch of scans from one named device. */
export const syncBatch = z.strictObject({
  device: z.string().max(200).transform((s) => cleanText(s).replace(/\s+/g, ' ')).pipe(z.string().min(1).max(60)),
  scans: z.array(scan).min(1).max(MAX_SCANS),
});

export type SyncBatch = z.output<typeof syncBatch>;

export const logQuery = z.object({ show: z.enum(['duplicate']).optional().catch(undefined) });
