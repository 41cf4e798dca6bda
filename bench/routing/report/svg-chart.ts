// Minimal line charts as inline SVG (no library, no network): axes with ticks, one polyline per series,
// a legend. Linear or log10 x axis.

export interface ChartSeries {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** Draw a marker at each point (few points, e.g. a load ladder). */
  readonly markers?: boolean;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
  /** A dashed horizontal line (e.g. the SLO). */
  readonly yRule?: { readonly value: number; readonly label: string };
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(10)));
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  if (a >= 100 || v === Math.round(v)) return String(Math.round(v));
  return v.toPrecision(2);
}

export function lineChart(series: readonly ChartSeries[], o: ChartOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 360;
  const m = { l: 64, r: 170, t: 30, b: 46 };
  const pts = series
    .flatMap((s) => s.points)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logX || x > 0) && (!o.logY || y > 0));
  if (pts.length === 0) return `<p class="empty">${esc(o.title)}: no data</p>`;
  const tx = (v: number) => (o.logX ? Math.log10(v) : v);
  const ty = (v: number) => (o.logY ? Math.log10(v) : v);
  let [x0, x1] = [Math.min(...pts.map((p) => tx(p[0]))), Math.max(...pts.map((p) => tx(p[0])))];
  let [y0, y1] = [Math.min(...pts.map((p) => ty(p[1]))), Math.max(...pts.map((p) => ty(p[1])))];
  if (o.yRule && Number.isFinite(ty(o.yRule.value))) [y0, y1] = [Math.min(y0, ty(o.yRule.value)), Math.max(y1, ty(o.yRule.value))];
  if (!o.logY) y0 = Math.min(0, y0);
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const px = (v: number) => m.l + ((tx(v) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (v: number) => H - m.b - ((ty(v) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
  ];
  parts.push(`<text x="${m.l}" y="18" font-size="13" font-weight="bold">${esc(o.title)}</text>`);
  const xt = o.logX
    ? niceTicks(Math.floor(x0), Math.ceil(x1), Math.ceil(x1) - Math.floor(x0))
        .map((e) => 10 ** e)
        .filter((v) => tx(v) >= x0 - 1e-9 && tx(v) <= x1 + 1e-9)
    : niceTicks(x0, x1);
  const yt = o.logY
    ? niceTicks(Math.floor(y0), Math.ceil(y1), Math.ceil(y1) - Math.floor(y0))
        .map((e) => 10 ** e)
        .filter((v) => ty(v) >= y0 - 1e-9 && ty(v) <= y1 + 1e-9)
    : niceTicks(y0, y1);
  for (const v of xt)
    parts.push(
      `<line x1="${px(v)}" x2="${px(v)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/><text x="${px(v)}" y="${H - m.b + 14}" text-anchor="middle">${fmt(v)}</text>`,
    );
  for (const v of yt)
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/><text x="${m.l - 6}" y="${py(v) + 4}" text-anchor="end">${fmt(v)}</text>`,
    );
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  if (o.yRule && Number.isFinite(ty(o.yRule.value))) {
    const y = py(o.yRule.value);
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" stroke="#555" stroke-dasharray="5 4"/><text x="${W - m.r - 4}" y="${y - 4}" text-anchor="end" fill="#555">${esc(o.yRule.label)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const ok = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logX || x > 0) && (!o.logY || y > 0));
    if (ok.length > 0) {
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${ok.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`,
      );
      if (s.markers)
        for (const [x, y] of ok) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    const ly = m.t + 8 + i * 16;
    parts.push(
      `<line x1="${W - m.r + 10}" x2="${W - m.r + 30}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/><text x="${W - m.r + 36}" y="${ly + 4}">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
