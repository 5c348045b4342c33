/** A public address made from a title and a year: "Youth Exchange" in 2027 → "youth-exchange-2027". */
export function slugFor(title: string, year: number, fallback: string): string {
  const base = title.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).replace(/-+$/, '');
  return `${base || fallback}-${year}`;
}
