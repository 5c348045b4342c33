import { qrPng } from '../../lib/qr.ts';
import { hashToken, isTokenShaped } from '../../lib/tokens.ts';

/*
 * The QR ticket carries a check-in code, not the manage link: whoever photographs a ticket can
 * check its holder in, but cannot cancel the registration. The code is the stored hash of the
 * private token, so it needs no column of its own and changes whenever a new link is sent.
 */

const PREFIX = 'IPCOOP-TICKET:';

export const ticketCode = (tokenHash: string) => `${PREFIX}${tokenHash}`;

export const ticketPng = (tokenHash: string): Promise<Buffer> => qrPng(ticketCode(tokenHash));

/**
 * The token hash behind what a door scanner typed: a ticket code, or a manage link (people
 * sometimes show the email instead of the ticket). Null when it is neither.
 */
export function tokenHashFromScan(scanned: string): string | null {
  const value = scanned.trim();
  const code = /^IPCOOP-TICKET:([0-9a-f]{64})$/i.exec(value);
  if (code?.[1]) return code[1].toLowerCase();
  const link = /\/registrations\/([A-Za-z0-9_-]{43})(?:[/?#]|$)/.exec(value);
  if (link?.[1] && isTokenShaped(link[1])) return hashToken(link[1]);
  return null;
}
