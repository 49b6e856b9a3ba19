/**
 * Colours for human output, decided once per stream: only on a terminal, never with NO_COLOR (any
 * non-empty value, per no-color.org) or TERM=dumb. Renderers take a {@link Style} and stay pure, so
 * the same table renders with or without escapes in tests.
 */

/** Whether a stream gets colours. */
export const colorEnabled = (isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean =>
  isTTY && (env["NO_COLOR"] ?? "") === "" && env["TERM"] !== "dumb"

/** Text painters; identity functions when colours are off. */
export interface Style {
  readonly color: boolean
  readonly bold: (s: string) => string
  readonly dim: (s: string) => string
  readonly red: (s: string) => string
  readonly green: (s: string) => string
  readonly yellow: (s: string) => string
  readonly blue: (s: string) => string
  readonly cyan: (s: string) => string
}

const sgr =
  (on: boolean, code: string) =>
  (s: string): string =>
    on && s !== "" ? `\u001b[${code}m${s}\u001b[0m` : s

/** A style that paints when `color` is true. */
export const makeStyle = (color: boolean): Style => ({
  color,
  bold: sgr(color, "1"),
  dim: sgr(color, "2"),
  red: sgr(color, "31"),
  green: sgr(color, "32"),
  yellow: sgr(color, "33"),
  blue: sgr(color, "34"),
  cyan: sgr(color, "36")
})

/** No colours (JSON, pipes, tests). */
export const plain: Style = makeStyle(false)

/** Visible width of a string: escapes do not count, wide characters are not expected in ids. */
export const visibleWidth = (s: string): number => s.replace(/\u001b\[[0-9;]*m/g, "").length

/** Pad to a visible width (escape sequences do not count). */
export const padEnd = (s: string, width: number): string => s + " ".repeat(Math.max(0, width - visibleWidth(s)))

/** A colour per task status / action, so a glance finds the trouble. */
export const tone = (style: Style, word: string): string => {
  switch (word) {
    case "succeeded":
    case "mark-complete":
    case "reconnect":
    case "alive":
    case "ok":
      return style.green(word)
    case "failed":
    case "mark-failed":
    case "blocked":
    case "gone":
    case "fail":
      return style.red(word)
    case "running":
    case "waiting":
    case "re-execute":
    case "pending":
    case "warn":
      return style.yellow(word)
    case "hold":
    case "stalled":
    case "unknown":
    case "dead-pane":
    case "bare-shell":
      return style.cyan(word)
    default:
      return word
  }
}
