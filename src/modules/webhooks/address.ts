import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/*
 * Server-side request forgery: a webhook's URL is the organiser's to choose, so it could name a
 * service inside the network (a database, a cloud's metadata address). Every address a name
 * resolves to is checked, and the connection then goes to the address that was checked, never
 * to a second resolution (which a hostile name server could answer differently).
 */

/**
 * Everything that is not a public unicast address (IANA special-purpose registries). Two lists:
 * a BlockList checks an IPv4 address against its IPv6 rules too (as ::ffff:a.b.c.d), so one
 * list holding ::ffff:0:0/96 would refuse every IPv4 address.
 */
const NOT_PUBLIC_V4 = new BlockList();
const NOT_PUBLIC_V6 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NOT_PUBLIC_V4.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  // Unspecified, loopback, IPv4-mapped and -translated (they would reach IPv4 space unchecked), discard,
  // documentation, 6to4 and Teredo (same reason), unique local, link-local, site-local, multicast.
  ['::', 128], ['::1', 128], ['::ffff:0:0', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23],
  ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) NOT_PUBLIC_V6.addSubnet(net, bits, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? !NOT_PUBLIC_V4.check(address, 'ipv4') : !NOT_PUBLIC_V6.check(address, 'ipv6');
}

/** A URL's host as a resolver takes it: an IPv6 literal without its brackets. */
export const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

export class AddressRefused extends Error {
  override name = 'AddressRefused';
}

/**
 * The address to connect to for a URL: the host resolved once, every address it has checked,
 * the first returned. Refuses (AddressRefused) when any address is not public, unless private
 * addresses are allowed.
 */
export async function resolveChecked(url: URL, allowPrivate: boolean): Promise<{ address: string; family: number }> {
  const host = bareHost(url);
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
  if (addresses.length === 0) throw new AddressRefused(`${host} has no address`);
  if (!allowPrivate) {
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused) throw new AddressRefused(`${host} resolves to ${refused.address}, which is not a public address`);
  }
  return addresses[0]!;
}
