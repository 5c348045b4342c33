import { parentPort, workerData } from 'node:worker_threads';
import { constants, inflateSync } from 'node:zlib';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFStream } from 'pdf-lib';

/*
 * Runs in a worker thread (src/lib/pdf-files.ts, cleanPdf), with its own memory limit and a
 * wall-clock limit enforced by the parent, never on the main thread. Receives a PDF's bytes and
 * answers with an anonymised copy, or with the reason it cannot make one.
 */

export type CleanReason = 'bomb' | 'encrypted' | 'unparsable';
export type WorkerAnswer = { ok: true; bytes: Uint8Array } | { ok: false; reason: CleanReason };

/**
 * The most that all the file's streams may inflate to, together. pdf-lib decodes object streams
 * while it parses and other streams lazily, without a limit of its own, so every stream is
 * inflated here first, under this budget. A normal PDF inflates to a few times its size (text,
 * fonts), a scan not at all (its images are DCT, not Flate); 100 times, with a floor of 64 MiB
 * for small files and a ceiling of 160 MiB, leaves room for any honest file and none for a bomb
 * (300 MB of zeros deflate to 300 KB: a ratio of 1000).
 */
export const inflateBudget = (size: number) => Math.min(Math.max(size * 100, 64 * 1024 * 1024), 160 * 1024 * 1024);

const STREAM = Buffer.from('stream');
const ENDSTREAM = Buffer.from('endstream');

/**
 * Whether the Flate streams of the file inflate, together, to more than the budget. The bytes
 * between every `stream` keyword and the following `endstream` are inflated with zlib, each with
 * `maxOutputLength` set to what is left of the budget, so that no stream is ever inflated past it;
 * a stream that is not zlib data (DCT, uncompressed, a false match) fails at once and counts for
 * nothing. A stream cut short is inflated as far as it goes (a sync flush), as a reader would.
 */
export function exceedsInflateBudget(bytes: Buffer, budget = inflateBudget(bytes.length)): boolean {
  let left = budget;
  let from = 0;
  for (;;) {
    const start = bytes.indexOf(STREAM, from);
    if (start < 0) return false;
    let body = start + STREAM.length;
    // `endstream` also contains `stream`: skip it.
    if (start >= 3 && bytes.subarray(start - 3, start).toString('latin1') === 'end') {
      from = body;
      continue;
    }
    if (bytes[body] === 0x0d) body++;
    if (bytes[body] === 0x0a) body++;
    let end = bytes.indexOf(ENDSTREAM, body);
    if (end < 0) end = bytes.length;
    from = end;
    try {
      left -= inflateSync(bytes.subarray(body, end), { maxOutputLength: Math.max(left, 1), finishFlush: constants.Z_SYNC_FLUSH })
        .length;
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return true;
    }
    if (left <= 0) return true;
  }
}

/**
 * Document-level keys that can name a person or an organisation, or act when the file opens. The
 * structure tree goes too: its alternate and replacement texts and titles are free text beside
 * the content (the blind copy loses its tags, not its content).
 */
const CATALOG_KEYS = [
  'Metadata', 'PieceInfo', 'AcroForm', 'Outlines', 'OpenAction', 'AA', 'AF', 'SpiderInfo', 'Threads',
  'StructTreeRoot', 'MarkInfo', 'Collection',
];
/** Of the name trees, only named destinations (the targets of links inside the file) are kept. */
const KEPT_NAME_TREES = new Set(['/Dests']);
const PAGE_KEYS = ['Metadata', 'PieceInfo', 'AA', 'AF', 'Thumb', 'StructParents'];
/** Annotations that only carry a person's words, a file or a form value: dropped whole. */
const DROPPED_ANNOTATIONS = new Set(['/Popup', '/Text', '/FileAttachment', '/Widget', '/Sound', '/Movie', '/Screen', '/RichMedia']);
/** What any other annotation may say about its author or hold as text. */
const ANNOTATION_KEYS = ['T', 'TU', 'TM', 'V', 'DV', 'Contents', 'RC', 'Subj', 'Popup', 'IRT', 'AA', 'AF', 'NM', 'ExData'];
/** Actions that only move within the file or open a link are kept; JavaScript, launch, forms go. */
const KEPT_ACTIONS = new Set(['/GoTo', '/URI']);

/**
 * A copy of a PDF without what names its author: the document information dictionary, XMP
 * metadata, application data, embedded files (and file attachment annotations), the form and its
 * values and names, outlines, JavaScript and open actions, the structure tree, and the text and
 * authors of annotations. Whatever is no longer reachable from the catalogue is then deleted, so that it is
 * not written out at all (pdf-lib writes every object it holds).
 */
export async function anonymise(bytes: Uint8Array): Promise<WorkerAnswer> {
  if (exceedsInflateBudget(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) return { ok: false, reason: 'bomb' };
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { updateMetadata: false });
  } catch (error) {
    return { ok: false, reason: (error as Error).name === 'EncryptedPDFError' ? 'encrypted' : 'unparsable' };
  }
  try {
    if (doc.isEncrypted) return { ok: false, reason: 'encrypted' };
    if (doc.getPageCount() === 0) return { ok: false, reason: 'unparsable' };
    const { context } = doc;
    context.trailerInfo.Info = undefined;
    const strip = (dict: PDFDict, keys: readonly string[]) => { for (const key of keys) dict.delete(PDFName.of(key)); };
    const { catalog } = doc;
    strip(catalog, CATALOG_KEYS);
    const names = catalog.lookup(PDFName.of('Names'));
    if (names instanceof PDFDict) {
      for (const key of names.keys()) if (!KEPT_NAME_TREES.has(key.toString())) names.delete(key);
    }
    for (const page of doc.getPages()) {
      strip(page.node, PAGE_KEYS);
      const annots = page.node.lookup(PDFName.of('Annots'));
      if (!(annots instanceof PDFArray)) continue;
      for (let i = annots.size() - 1; i >= 0; i--) {
        const annot = annots.lookup(i);
        if (!(annot instanceof PDFDict) || DROPPED_ANNOTATIONS.has(String(annot.get(PDFName.of('Subtype'))))) {
          annots.remove(i);
          continue;
        }
        strip(annot, ANNOTATION_KEYS);
        annot.delete(PDFName.of('Parent'));
        const action = annot.lookup(PDFName.of('A'));
        if (action instanceof PDFDict && !KEPT_ACTIONS.has(String(action.get(PDFName.of('S'))))) annot.delete(PDFName.of('A'));
      }
    }
    // Any other XMP stream (of an image, a font) goes too: it is metadata, never content.
    for (const [, object] of context.enumerateIndirectObjects()) {
      const dict = object instanceof PDFStream ? object.dict : object;
      if (dict instanceof PDFDict) strip(dict, ['Metadata', 'PieceInfo']);
    }
    deleteUnreachable(doc);
    return { ok: true, bytes: await doc.save({ useObjectStreams: false, updateFieldAppearances: false }) };
  } catch {
    return { ok: false, reason: 'unparsable' };
  }
}

/** Deletes every indirect object that the catalogue no longer reaches. */
function deleteUnreachable(doc: PDFDocument) {
  const { context } = doc;
  const reached = new Set<string>();
  const pending: unknown[] = [context.trailerInfo.Root];
  while (pending.length) {
    let value = pending.pop();
    if (value instanceof PDFRef) {
      if (reached.has(value.tag)) continue;
      reached.add(value.tag);
      value = context.lookup(value);
    }
    if (value instanceof PDFStream) value = value.dict;
    if (value instanceof PDFDict) pending.push(...value.values());
    else if (value instanceof PDFArray) pending.push(...value.asArray());
  }
  for (const [ref] of context.enumerateIndirectObjects()) if (!reached.has(ref.tag)) context.delete(ref);
}

// Only when started as cleanPdf's worker (importing this file elsewhere runs nothing).
if (parentPort && workerData instanceof Uint8Array) {
  const port = parentPort;
  const answer = await anonymise(workerData);
  port.postMessage(answer, answer.ok ? [answer.bytes.buffer as ArrayBuffer] : []);
}
