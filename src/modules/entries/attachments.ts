import { type Message, message } from '../../lib/i18n.ts';
import { readFile } from 'node:fs/promises';
import { cleanPdf, type ReceivedFile, saveIncomingFile } from '../../lib/pdf-files.ts';

/*
 * Entry attachments: PDF only (judged by the bytes, not by the name or the declared type),
 * size-limited, stored under DATA_DIR/attachments by a random key, never under the web root.
 * They are only ever served through a route that has first checked who is asking.
 */

export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
export const MAX_ATTACHMENTS = 3;
/** What one entry's files may hold in all: as many files as it may have, each at the most. */
export const ENTRY_QUOTA_BYTES = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES;
/**
 * What the files of all the entries to one contest may hold in all. A contest takes some dozens to
 * a few hundred entries, most with a PDF or two well under the 5 MB each may be: 2 GB holds all of
 * those (or 136 entries at their full 15 MB), while a flood of scripted entries cannot fill the
 * disk that DATA_DIR (and the embedded database) lives on.
 */
export const CONTEST_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;

/** A file's name as sent is kept (and shown back) up to this many characters: a longer one is cut. */
export const MAX_FILENAME_LENGTH = 200;

/** A file sent with the form, as received (src/lib/pdf-files.ts: on disk under DATA_DIR/incoming, when kept). */
export type Upload = ReceivedFile & {
  fieldname: string;
  filename: string;
  /** Its anonymised copy, under DATA_DIR/incoming beside it, once made (cleanUploads). */
  clean?: string | null;
};

/** A sent file's name as it is kept: cut to MAX_FILENAME_LENGTH characters, never between the halves of one. */
export function keptFilename(name: string): string {
  const characters = Array.from(name);
  return characters.length > MAX_FILENAME_LENGTH ? `${characters.slice(0, MAX_FILENAME_LENGTH - 1).join('')}…` : name;
}

/** Why an upload cannot be accepted, naming the file as it was sent; null when it can. */
export function uploadProblem(upload: Upload): Message | null {
  const file = upload.filename;
  if (upload.truncated || upload.size > MAX_ATTACHMENT_BYTES) {
    return message('participant.entry.errors.fileTooLarge', { file, mb: MAX_ATTACHMENT_BYTES / 1024 / 1024 });
  }
  if (upload.size === 0) {
    return file ? message('participant.entry.errors.fileEmpty', { file }) : 'participant.entry.errors.emptyFile';
  }
  if (!upload.pdf || !upload.path) return message('participant.entry.errors.notPdf', { file });
  return null;
}

/** The refusal of files that would take a contest over its quota, beside the file field. */
export const contestFull = () => message('participant.entry.errors.contestFull', { gb: CONTEST_QUOTA_BYTES / 1024 ** 3 });

/**
 * Makes each file's anonymised copy, once, now (src/lib/pdf-files.ts, cleanPdf: in a worker thread
 * with memory and time limits and a cap on decompression). The copies wait beside the files and are
 * stored with them; what a blind judge opens later is the copy. A file that cannot be cleaned (it
 * inflates to far more than its size, takes too long or too much memory, is encrypted or cannot be
 * read) is refused by name, and nothing is stored.
 */
export async function cleanUploads(dataDir: string, uploads: Upload[]): Promise<Message | null> {
  const problems: Message[] = [];
  for (const upload of uploads) {
    if (!upload.path) continue;
    const clean = await cleanPdf(await readFile(upload.path));
    if (clean.ok) upload.clean = await saveIncomingFile(dataDir, clean.bytes);
    else problems.push(message('participant.entry.errors.notCleanable', { file: upload.filename }));
  }
  return problems.length ? problems.reduce((first, next) => message('participant.entry.errors.andAlso', { first, next })) : null;
}
