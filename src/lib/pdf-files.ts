import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { copyFile, type FileHandle, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyReply } from 'fastify';
import type { PDFDict } from 'pdf-lib';

/*
 * Stored PDF files: kept under DATA_DIR/attachments by a random key, never under the web root,
 * and sent only by a route that has first checked who is asking.
 */

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

/** Where an upload waits, once received, until its request stores it or drops it: beside the stored files, never among them. */
const incoming = (dataDir: string) => resolve(dataDir, 'incoming');

const PDF_MAGIC = Buffer.from('%PDF-');

export type ReceivedFile = {
  /** The file as received, under DATA_DIR/incoming; null when nothing was kept (not a PDF, too large). */
  path: string | null;
  /** The bytes received (up to the limit, when `truncated`). */
  size: number;
  /** More was sent than the limit: the parser stopped passing it on, and nothing is kept. */
  truncated: boolean;
  /** Whether its first bytes are a PDF's. */
  pdf: boolean;
};

async function writeAll(file: FileHandle, chunk: Buffer) {
  for (let offset = 0; offset < chunk.length;) offset += (await file.write(chunk, offset)).bytesWritten;
}

/**
 * Receives an uploaded file onto disk as it arrives, a chunk at a time, never whole in memory.
 * Its first bytes say whether it is a PDF: anything else is read to its end and dropped, never
 * written. The multipart parser cuts the stream at the size limit and marks it truncated; a file
 * that reached `maxBytes` that way (or any other) is removed, not kept cut short.
 */
export async function receivePdf(dataDir: string, stream: AsyncIterable<Buffer> & { truncated?: boolean }, maxBytes: number)
  : Promise<ReceivedFile> {
  let head = Buffer.alloc(0);
  let size = 0;
  let pdf: boolean | null = null;
  let file: FileHandle | null = null;
  let path: string | null = null;
  try {
    for await (const chunk of stream) {
      size += chunk.length;
      if (size > maxBytes) {
        pdf ??= false;
        continue;
      }
      if (pdf === null) {
        head = Buffer.concat([head, chunk]);
        if (head.length < PDF_MAGIC.length) continue;
        pdf = head.subarray(0, PDF_MAGIC.length).equals(PDF_MAGIC);
        if (!pdf) continue;
        await mkdir(incoming(dataDir), { recursive: true });
        path = join(incoming(dataDir), randomBytes(16).toString('hex'));
        file = await open(path, 'wx');
        await writeAll(file, head);
      } else if (file) {
        await writeAll(file, chunk);
      }
    }
    await file?.close();
  } catch (error) {
    await file?.close().catch(() => undefined);
    if (path) await rm(path, { force: true });
    throw error;
  }
  const truncated = size > maxBytes || stream.truncated === true;
  if (path && truncated) {
    await rm(path, { force: true });
    path = null;
  }
  return { path, size, truncated, pdf: pdf ?? false };
}

/** Moves a received file among the stored attachments, under a new random key. */
export async function storeReceivedFile(dataDir: string, path: string): Promise<string> {
  await mkdir(directory(dataDir), { recursive: true });
  const key = randomBytes(16).toString('hex');
  const target = join(directory(dataDir), key);
  try {
    await rename(path, target);
  } catch (error) {
    // DATA_DIR/attachments on a file system of its own: copied, then the received file removed.
    if ((error as { code?: string }).code !== 'EXDEV') throw error;
    await copyFile(path, target, constants.COPYFILE_EXCL);
    await rm(path, { force: true });
  }
  return key;
}

/** Removes received files that their request did not store. */
export async function discardReceivedFiles(paths: readonly (string | null)[]) {
  await Promise.all(paths.filter((path) => path !== null).map((path) => rm(path, { force: true })));
}

/** Removes files written for an operation that did not commit. */
export async function discardAttachmentFiles(dataDir: string, keys: readonly string[]) {
  await Promise.all(keys.map((key) => rm(join(directory(dataDir), key), { force: true })));
}

const storedPath = (dataDir: string, key: string) => {
  if (!/^[0-9a-f]{32}$/.test(key)) throw new Error('malformed storage key');
  return join(directory(dataDir), key);
};

const pdfHeaders = (reply: FastifyReply, downloadName: string, length: number) => reply
  .header('content-type', 'application/pdf')
  .header('content-length', length)
  .header('content-disposition', `attachment; filename="${safeFilename(downloadName)}"`)
  .header('x-content-type-options', 'nosniff')
  .header('cache-control', 'private, no-store');

/** Sends a stored attachment as a download under the given name. */
export function sendAttachment(
  reply: FastifyReply, dataDir: string, attachment: { storage_key: string; size_bytes: number }, downloadName: string,
) {
  const path = storedPath(dataDir, attachment.storage_key);
  return pdfHeaders(reply, downloadName, attachment.size_bytes).send(createReadStream(path));
}

/** Document-level keys that can name a person or an organisation. */
const IDENTIFYING_KEYS = ['Metadata', 'PieceInfo'] as const;

/**
 * A copy of a PDF without what names its author: the document information dictionary (author,
 * creator, title …), XMP metadata streams, application data and the authors of annotations.
 * The objects are deleted, not just unlinked, so they are not written out at all. Null when the
 * file cannot be parsed (or is encrypted): it is then withheld rather than sent as it is.
 */
export async function anonymisedPdf(bytes: Uint8Array): Promise<Uint8Array | null> {
  // Loaded on first use: pdf-lib is about 8 MiB of memory that only blind judging needs.
  const { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef } = await import('pdf-lib');
  try {
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    if (doc.getPageCount() === 0) return null;
    const { context } = doc;
    const drop = (value: unknown) => { if (value instanceof PDFRef) context.delete(value); };
    drop(context.trailerInfo.Info);
    context.trailerInfo.Info = undefined;
    const scrub = (dict: PDFDict) => {
      for (const key of IDENTIFYING_KEYS) {
        drop(dict.get(PDFName.of(key)));
        dict.delete(PDFName.of(key));
      }
    };
    scrub(doc.catalog);
    for (const page of doc.getPages()) {
      scrub(page.node);
      const annots = page.node.lookup(PDFName.of('Annots'));
      if (!(annots instanceof PDFArray)) continue;
      for (let i = 0; i < annots.size(); i++) {
        const annot = annots.lookup(i);
        if (annot instanceof PDFDict) annot.delete(PDFName.of('T'));
      }
    }
    // Any other XMP stream (of an image, a font) goes too: it is metadata, never content.
    for (const [ref, object] of context.enumerateIndirectObjects()) {
      const dict = 'dict' in object ? (object as { dict: PDFDict }).dict : object;
      if (dict instanceof PDFDict && dict.get(PDFName.of('Type'))?.toString() === '/Metadata') context.delete(ref);
    }
    return await doc.save({ useObjectStreams: false, updateFieldAppearances: false });
  } catch {
    return null;
  }
}

/** Sends a stored attachment with its metadata removed (for judges of a blind contest). */
export async function sendAnonymisedAttachment(
  reply: FastifyReply, dataDir: string, attachment: { storage_key: string }, downloadName: string,
) {
  const clean = await anonymisedPdf(await readFile(storedPath(dataDir, attachment.storage_key)));
  if (!clean) return null;
  return pdfHeaders(reply, downloadName, clean.length).send(Buffer.from(clean));
}
