/**
 * Counting for the fault campaign: every case runs some iterations, each ends with a verdict (the
 * violations it found, or none: `ok`), and one Row sums them. An iteration that throws is counted
 * as `errors` (its first message goes into the outcome) and the campaign goes on — a campaign
 * never throws for a violation.
 */
import type { Row, Scale } from "../Report.ts"

/** The counts every fault row carries; all but `ok` are violations. */
export const COUNTS = ["ok", "lost", "twice", "stateBad", "wrongOutcome", "errors"] as const
/** One count name. */
export type Count = (typeof COUNTS)[number]

/** What one iteration found: violation counts (absent = 0) and what the user saw. */
export interface Verdict {
  readonly lost?: number
  readonly twice?: number
  readonly stateBad?: number
  readonly wrongOutcome?: number
  /** What the user sees, e.g. "E_IO (ENOSPC), state intact". */
  readonly seen: string
  /** Why the outcome is wrong (first one goes into the row's outcome). */
  readonly why?: string
  /** Informational counts summed into the row but never violations (e.g. `torn`, `reported`). */
  readonly info?: Readonly<Record<string, number>>
}

/** Iterations per real (tmux + git) case at each scale: slice once, quick twice, full five times. */
export const realRuns = (scale: Scale): number => (scale === "slice" ? 1 : scale === "quick" ? 2 : 5)

const VIOLATIONS = ["lost", "twice", "stateBad", "wrongOutcome"] as const

/** Accumulates the verdicts of one case into a Row. */
export class Tally {
  readonly counts: Record<Count, number> = { ok: 0, lost: 0, twice: 0, stateBad: 0, wrongOutcome: 0, errors: 0 }
  private readonly info: Record<string, number> = {}
  runs = 0
  private readonly seen: Array<string> = []
  private firstProblem: string | undefined
  readonly name: string

  constructor(name: string) {
    this.name = name
  }

  /** Record one verdict. */
  add(v: Verdict): void {
    this.runs++
    let bad = 0
    for (const k of VIOLATIONS) {
      const n = v[k] ?? 0
      this.counts[k] += n
      bad += n
    }
    for (const [k, n] of Object.entries(v.info ?? {})) this.info[k] = (this.info[k] ?? 0) + n
    if (bad === 0) this.counts.ok++
    else this.firstProblem ??= v.why ?? v.seen
    if (!this.seen.includes(v.seen)) this.seen.push(v.seen)
  }

  /** Run one iteration; an exception is counted as `errors`, never rethrown. */
  async iterate(body: () => Promise<Verdict>): Promise<void> {
    try {
      this.add(await body())
    } catch (e) {
      this.runs++
      this.counts.errors++
      this.firstProblem ??= `error: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300)
    }
  }

  /** The Row (outcome: what the user saw, distinct ones joined; the first problem when any). */
  row(): Row {
    const seen = this.seen.length === 0 ? "no iteration finished" : this.seen.slice(0, 3).join("; ")
    return {
      group: "faults",
      case: this.name,
      runs: this.runs,
      counts: { ...this.counts, ...this.info },
      bad: COUNTS.filter((k) => k !== "ok"),
      outcome: this.firstProblem === undefined ? seen : `${seen} — FIRST PROBLEM: ${this.firstProblem}`
    }
  }
}

/** Run `n` iterations of `body` and return the row. */
export const runCase = async (name: string, n: number, body: (i: number) => Promise<Verdict>): Promise<Row> => {
  const t = new Tally(name)
  for (let i = 0; i < n; i++) await t.iterate(() => body(i))
  return t.row()
}

/** A verdict from named checks: each failed check adds 1 to its count and its text to `why`. */
export const judge = (
  seen: string,
  checks: ReadonlyArray<readonly [Exclude<Count, "ok" | "errors">, boolean, string]>,
  info?: Readonly<Record<string, number>>
): Verdict => {
  const out: { lost: number; twice: number; stateBad: number; wrongOutcome: number } = {
    lost: 0,
    twice: 0,
    stateBad: 0,
    wrongOutcome: 0
  }
  const why: Array<string> = []
  for (const [count, holds, text] of checks) {
    if (holds) continue
    out[count]++
    why.push(text)
  }
  return { ...out, seen, ...(why.length === 0 ? {} : { why: why.join("; ") }), ...(info === undefined ? {} : { info }) }
}
