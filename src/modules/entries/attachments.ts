import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyReply } from 'fastify';

/*
 * Entry attachments: PDF only (judged by the bytes, not by the name or the declared type),
 * size-limited, stored under DATA_DIR/attachments by a random key, never under the web root.
 * They are only ever served through a route that has first checked who is asking.
 */

export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
export const MAX_ATTACHMENTS = 3;

export type Upload = { fieldname: string; filename: string; buffer: Buffer; truncated: boolean };

const PDF_MAGIC = Buffer.from('%PDF-');

/** Why an upload cannot be accepted, or null. */
export function uploadProblem(upload: Upload): string | null {
  if (upload.truncated || upload.buffer.length > MAX_ATTACHMENT_BYTES) {
    return `${upload.filename} is larger than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB.`;
  }
  if (upload.buffer.length === 0) return `${upload.filename || 'The file'} is empty.`;
  if (!upload.buffer.subarray(0, PDF_MAGIC.length).equals(PDF_MAGIC)) return `${upload.filename} is not a PDF file.`;
  return null;
}

/** A file name safe to keep and to send back in a header. */
export const safeFilename = (name: string) =>
  (name.replace(/[^\w.\- ()]+/g, '_').replace(/^\.+/, '').slice(-120) || 'attachment').replace(/(\.pdf)?$/i, '.pdf');

const directory = (dataDir: string) => resolve(dataDir, 'attachments');

export async function saveAttachmentFile(dataDir: string, buffer: Buffer): Promise<string> {
  await mkdir(directory(dataDir), { recursive: true });
  const key = randomBytes(16).toString('hex');
  await writeFile(join(directory(dataDir), key), buffer, { flag: 'wx' });
  return key;
}

/** Removes files written for an operation that did not commit. */
export async function discardAttachmentFiles(dataDir: string, keys: readonly string[]) {
  await Promise.all(keys.map((key) => rm(join(directory(dataDir), key), { force: true })));
}

/** Sends a stored attachment as a download under the given name. */
export function sendAttachment(reply: FastifyReply, dataDir: string, attachment: { storage_key: string; size_bytes: number }, downloadName: string) {
  if (!/^[0-9a-f]{32}$/.test(attachment.storage_key)) throw new Error('malformed storage key');
  return reply
    .header('content-type', 'application/pdf')
    .header('content-length', attachment.size_bytes)
    .header('content-disposition', `attachment; filename="${safeFilename(downloadName)}"`)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-store')
    .send(createReadStream(join(directory(dataDir), attachment.storage_key)));
}
