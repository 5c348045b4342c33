/*
 * Charts drawn on the server as SVG: no client script, readable by screen readers (role="img"
 * with a title and a description listing every value), and printable.
 */

export type ChartRow = { label: string; value: number };

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const truncate = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

let chartCount = 0;

/**
 * A horizontal bar chart; one bar per row, the value printed at the end of each bar. Its words
 * come in the reader's language: the title, each bar's description and what an empty chart says.
 */
export function barChart(
  title: string, rows: readonly ChartRow[],
  words: { describe: (row: ChartRow) => string; noData: string },
): string {
  const id = `chart-${++chartCount}`;
  const labelWidth = 300;
  const barArea = 360;
  const rowHeight = 26;
  const top = 8;
  const height = top + Math.max(1, rows.length) * rowHeight + 8;
  const width = labelWidth + barArea + 70;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const { noData } = words;
  const description = rows.length ? rows.map(words.describe).join('; ') : noData;
  const bars = rows.map((r, i) => {
    const y = top + i * rowHeight;
    const w = Math.round((r.value / max) * barArea);
    return [
      `<text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end" class="chart__label">${escapeXml(truncate(r.label, 38))}</text>`,
      `<rect x="${labelWidth}" y="${y + 4}" width="${Math.max(w, r.value > 0 ? 2 : 0)}" height="${rowHeight - 8}" class="chart__bar"/>`,
      `<text x="${labelWidth + w + 6}" y="${y + 17}" class="chart__value">${r.value}</text>`,
    ].join('');
  }).join('');
  const empty = rows.length === 0 ? `<text x="${labelWidth}" y="${top + 17}" class="chart__label">${escapeXml(noData)}</text>` : '';
  return `<figure class="chart"><figcaption>${escapeXml(title)}</figcaption>`
    + `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-t ${id}-d">`
    + `<title id="${id}-t">${escapeXml(title)}</title><desc id="${id}-d">${escapeXml(description)}</desc>`
    + `${bars}${empty}</svg></figure>`;
}
