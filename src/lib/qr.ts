import QRCode from 'qrcode';

/** A QR code of `text` as PNG: four pixels a module, sharp enough for any scanner and cheap to draw. */
export function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 4 });
}
