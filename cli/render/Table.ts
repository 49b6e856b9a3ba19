/**
 * Plain text tables: a header row, aligned columns, the last column left ragged (it holds the
 * reason, the longest text), and human ages. Pure.
 */
import { padEnd, type Style } from "./Style.ts"

/** Render rows under a header; cells may carry colour escapes (widths ignore them). */
export const table = (
  style: Style,
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>
): ReadonlyArray<string> => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ""))))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : padEnd(c, widths[i]!)))
      .join("  ")
      .trimEnd()
  return [style.dim(line(header)), ...rows.map(line)]
}

const visible = (s: string): number => s.replace(/\u001b\[[0-9;]*m/g, "").length

/**
 * A duration as a person reads it at a glance: `45s`, `12m`, `3h05m`, `2d04h`; `-` when unknown.
 * Negative durations (clock skew) read as `0s`.
 */
export const age = (ms: number | undefined): string => {
  if (ms === undefined) return "-"
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h${String(m % 60).padStart(2, "0")}m`
  const d = Math.floor(h / 24)
  return `${d}d${String(h % 24).padStart(2, "0")}h`
}

/** `1 running, 2 succeeded` from counts, skipping zeros, in the given order. */
export const counts = (
  order: ReadonlyArray<string>,
  n: Readonly<Record<string, number>>,
  paint: (w: string) => string = (w) => w
): string => {
  const parts = order.flatMap((k) => ((n[k] ?? 0) > 0 ? [`${n[k]} ${paint(k)}`] : []))
  return parts.length === 0 ? "nothing" : parts.join(", ")
}

/** `1 task` / `3 tasks`. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`
