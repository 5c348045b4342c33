import { randomBytes } from 'node:crypto';
import { constants, createReadStream, existsSync } from 'node:fs';
import { copyFile, type FileHandle, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FastifyReply } from 'fastify';
import type { CleanReason, WorkerAnswer } from './pdf-worker.ts';

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

const WORKER_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 };
/** A worker that has not answered by then is stopped: no honest PDF of 5 MB takes that long to clean. */
export const CLEAN_TIMEOUT_MS = 10_000;
/** Workers cleaning at once; more wait their turn, so that a flood of uploads cannot take every core and all memory. */
const MAX_WORKERS = 2;

/** Why a PDF could not be cleaned: too much inside (bomb), too long, too much memory, encrypted, unreadable. */
export type CleanFailure = CleanReason | 'timeout' | 'memory' | 'failed';
export type CleanResult = { ok: true; bytes: Buffer } | { ok: false; reason: CleanFailure };

/** The worker's file: the TypeScript source when run from src/ (tests), the compiled file when run from dist/. */
const workerUrl = (() => {
  const source = new URL('./pdf-worker.ts', import.meta.url);
  return existsSync(fileURLToPath(source)) ? source : new URL('./pdf-worker.js', import.meta.url);
})();

let running = 0;
const waiting: (() => void)[] = [];

async function inTurn<T>(run: () => Promise<T>): Promise<T> {
  if (running >= MAX_WORKERS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await run();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * An anonymised copy of a PDF (src/lib/pdf-worker.ts: what it removes and how it bounds
 * decompression), made in a worker thread with its own heap limit and stopped after
 * CLEAN_TIMEOUT_MS, so that a hostile file costs the main thread nothing.
 */
export function cleanPdf(bytes: Uint8Array): Promise<CleanResult> {
  return inTurn(() => new Promise<CleanResult>((resolve) => {
    const copy = Uint8Array.from(bytes);
    const worker = new Worker(workerUrl, { workerData: copy, transferList: [copy.buffer], resourceLimits: WORKER_LIMITS });
    let settled = false;
    const settle = (result: CleanResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(() => settle({ ok: false, reason: 'timeout' }), CLEAN_TIMEOUT_MS);
    worker.on('message', (answer: WorkerAnswer) => {
      settle(answer.ok ? { ok: true, bytes: Buffer.from(answer.bytes.buffer, answer.bytes.byteOffset, answer.bytes.byteLength) } : answer);
    });
    worker.on('error', (error: Error & { code?: string }) => {
      settle({ ok: false, reason: error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'failed' });
    });
    worker.on('exit', () => settle({ ok: false, reason: 'failed' }));
  }));
}

/** Keeps bytes made from a received file (its clean copy) beside it under DATA_DIR/incoming, until its request stores it. */
export async function saveIncomingFile(dataDir: string, bytes: Uint8Array): Promise<string> {
  await mkdir(incoming(dataDir), { recursive: true });
  const path = join(incoming(dataDir), randomBytes(16).toString('hex'));
  await writeFile(path, bytes, { flag: 'wx' });
  return path;
}

/** Sends a stored file whose size is not recorded (an attachment's clean copy). */
export async function sendStoredFile(reply: FastifyReply, dataDir: string, storageKey: string, downloadName: string) {
  const { size } = await stat(storedPath(dataDir, storageKey));
  return sendAttachment(reply, dataDir, { storage_key: storageKey, size_bytes: size }, downloadName);
}

/**
 * Sends a stored attachment with what names its author removed (for judges of a blind contest),
 * cleaned now: for attachments stored before clean copies were kept. Null when it cannot be cleaned.
 */
export async function sendAnonymisedAttachment(
  reply: FastifyReply, dataDir: string, attachment: { storage_key: string }, downloadName: string,
) {
  const clean = await cleanPdf(await readFile(storedPath(dataDir, attachment.storage_key)));
  if (!clean.ok) return null;
  return pdfHeaders(reply, downloadName, clean.bytes.length).send(clean.bytes);
}
