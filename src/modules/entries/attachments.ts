import { type Message, message } from '../../lib/i18n.ts';

/*
 * Entry attachments: PDF only (judged by the bytes, not by the name or the declared type),
 * size-limited, stored under DATA_DIR/attachments by a random key, never under the web root.
 * They are only ever served through a route that has first checked who is asking.
 */

export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
export const MAX_ATTACHMENTS = 3;

/** A file's name as sent is kept (and shown back) up to this many characters: a longer one is cut. */
export const MAX_FILENAME_LENGTH = 200;

export type Upload = { fieldname: string; filename: string; buffer: Buffer; truncated: boolean };

/** A sent file's name as it is kept: cut to MAX_FILENAME_LENGTH characters, never between the halves of one. */
export function keptFilename(name: string): string {
  const characters = Array.from(name);
  return characters.length > MAX_FILENAME_LENGTH ? `${characters.slice(0, MAX_FILENAME_LENGTH - 1).join('')}…` : name;
}

const PDF_MAGIC = Buffer.from('%PDF-');

/** Why an upload cannot be accepted, naming the file as it was sent; null when it can. */
export function uploadProblem(upload: Upload): Message | null {
  const file = upload.filename;
  if (upload.truncated || upload.buffer.length > MAX_ATTACHMENT_BYTES) {
    return message('participant.entry.errors.fileTooLarge', { file, mb: MAX_ATTACHMENT_BYTES / 1024 / 1024 });
  }
  if (upload.buffer.length === 0) {
    return file ? message('participant.entry.errors.fileEmpty', { file }) : 'participant.entry.errors.emptyFile';
  }
  if (!upload.buffer.subarray(0, PDF_MAGIC.length).equals(PDF_MAGIC)) return message('participant.entry.errors.notPdf', { file });
  return null;
}
