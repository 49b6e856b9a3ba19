/**
 * The shape every reliability campaign reports in (issue 8): rows of counted outcomes, printed by
 * `npm run soak` as one table and asserted (violations = 0) by the small `npm test` slice. One
 * implementation per campaign serves both: the slice only runs it at a smaller scale.
 */

/** How much of a campaign to run: `slice` in `npm test` (< 3 min for all), `quick` and `full` from `npm run soak`. */
export type Scale = "slice" | "quick" | "full"

/** One counted line of the Reliability table. */
export interface Row {
  /** Campaign group, e.g. "kill -9 loop", "faults", "concurrency", "state abuse", "hostile input". */
  readonly group: string
  /** What was done, e.g. "tmux server killed mid-wave". */
  readonly case: string
  /** How many times it was done (iterations, processes, inputs, fuzzed cases). */
  readonly runs: number
  /** Named counts of what was checked; every count listed in `bad` must be 0. */
  readonly counts: Readonly<Record<string, number>>
  /** Names of `counts` that are violations (lost tasks, ran twice, file changed, crashes, …). */
  readonly bad: ReadonlyArray<string>
  /** What the user sees, e.g. "E_LOCKED ×7, 1 supervisor" or "E_STATE_CORRUPT, file untouched". */
  readonly outcome: string
}

/** A campaign: runs its cases at a scale and reports rows (it never throws for a violation: it counts it). */
export interface Campaign {
  readonly name: string
  readonly run: (scale: Scale) => Promise<ReadonlyArray<Row>>
}

/** Sum of a row's violation counts. */
export const violations = (row: Row): number => row.bad.reduce((n, k) => n + (row.counts[k] ?? 0), 0)

/** Rows whose violations are not 0, as readable lines (for test failure messages). */
export const failures = (rows: ReadonlyArray<Row>): ReadonlyArray<string> =>
  rows
    .filter((r) => violations(r) > 0)
    .map(
      (r) =>
        `${r.group} / ${r.case}: ${r.bad
          .filter((k) => (r.counts[k] ?? 0) > 0)
          .map((k) => `${k}=${r.counts[k]}`)
          .join(", ")} (${r.outcome})`
    )

const detail = (row: Row): string =>
  Object.entries(row.counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")

/** The table as GitHub markdown (README "Reliability" holds one run of it). */
export const markdown = (rows: ReadonlyArray<Row>): string => {
  const esc = (s: string) => s.replaceAll("|", "\\|")
  const lines = ["| group | case | runs | violations | counts | outcome |", "|---|---|---:|---:|---|---|"]
  for (const r of rows)
    lines.push(
      `| ${esc(r.group)} | ${esc(r.case)} | ${r.runs} | ${violations(r)} | ${esc(detail(r))} | ${esc(r.outcome)} |`
    )
  return lines.join("\n")
}
