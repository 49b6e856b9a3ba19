/** Timing helpers for the benchmarks: medians of repeated runs, alternated between variants. */

/** Median of a list of numbers. */
export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** Time one async call in ms. */
export const time = async (f: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now()
  await f()
  return performance.now() - t0
}

/**
 * Run each variant `rounds` times, alternating (A B C A B C …) so drift and background load hit
 * every variant alike; returns the median per variant.
 */
export const alternate = async (
  variants: Readonly<Record<string, () => Promise<unknown>>>,
  rounds: number
): Promise<Record<string, number>> => {
  const samples: Record<string, Array<number>> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
  for (const f of Object.values(variants)) await f() // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const [name, f] of Object.entries(variants)) samples[name]!.push(await time(f))
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]))
}

/** Round for a table. */
export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : "-")
