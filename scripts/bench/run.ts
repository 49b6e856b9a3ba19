/**
 * `npm run bench` — rekindle against the per-task approach and against the floor (issue 7).
 * Prints one table and writes the same as JSON (with CPU, Node, tmux and git versions) to
 * bench-results/bench.json. `npm run bench -- --quick` keeps N ≤ 100 and runs in under a minute.
 * Timings are never asserted in `npm test`; this script is their only home.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { machine } from "../../test/support/machine.ts"
import { benchCli } from "./cli.ts"
import { benchObserve, type ObserveRow } from "./observe.ts"
import { benchDecideDetail, benchLogs, benchPersist } from "./pure.ts"
import { fmt } from "./stats.ts"

const quick = process.argv.includes("--quick")
const say = (line: string) => process.stdout.write(`${line}\n`)

const main = async () => {
  const env = { ...machine(), quick }
  say(`rekindle bench — ${env.cpu} × ${env.cores}, Node ${env.node}, ${env.tmux}, ${env.git}${quick ? " (quick)" : ""}`)

  const observeRows: Array<ObserveRow> = []
  for (const n of quick ? [10, 100] : [10, 100, 1000]) {
    const row = await benchObserve(n, quick ? 5 : 9)
    observeRows.push(row)
    say(
      `B1 observe N=${n}: rekindle ${fmt(row.rekindleMs)} ms, per-task baseline ${fmt(row.baselineMs)} ms, floor ${fmt(row.floorMs)} ms, baseline/rekindle ${fmt(row.baselineMs / row.rekindleMs)}×, rekindle/floor ${fmt(row.rekindleMs / row.floorMs, 2)}×`
    )
  }

  const decide: Record<number, number> = {}
  const decideAfterGc: Record<number, number | undefined> = {}
  for (const n of quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]) {
    // Small batches take a few ms: more rounds keep their median (the scaling's denominator) steady.
    const d = benchDecideDetail(n, n >= 100_000 ? 9 : quick ? 9 : 31)
    decide[n] = d.medianMs
    decideAfterGc[n] = d.medianMsAfterGc
    say(
      `B2 decide ${n} tasks: ${fmt(d.medianMs)} ms${d.medianMsAfterGc === undefined ? "" : ` (${fmt(d.medianMsAfterGc)} ms with a full GC before each round)`}`
    )
  }
  const scaling = decide[100_000] !== undefined ? decide[100_000]! / decide[10_000]! : Number.NaN
  if (Number.isFinite(scaling)) say(`B2 scaling t(100k)/t(10k): ${fmt(scaling, 2)}`)

  const persist = await benchPersist(quick ? [100, 1_000] : [100, 1_000, 10_000], quick ? 5 : 9, quick ? 200 : 1_000)
  for (const [n, ms] of Object.entries(persist.saves)) say(`B3 durable state save, ${n} tasks: ${fmt(ms)} ms`)
  say(`B3 journal append (fsync-each, the default): ${fmt(persist.journalPerSecond, 0)} events/s`)

  const logs = await benchLogs(quick ? 64 << 20 : 1 << 30)
  say(
    `B4 log resume from 1 MiB before the end of a ${quick ? "64 MiB" : "1 GiB"} log: read ${logs.bytesRead} bytes (new: ${logs.newBytes}) in ${fmt(logs.ms)} ms; splitter ${fmt(logs.splitterMBs, 0)} MB/s`
  )

  const cli = await benchCli(quick ? 5 : 11)
  if (cli !== undefined) {
    for (const [what, t] of [
      ["built (installed package), compile cache warm", cli.built],
      ["built (installed package), first run (compile cache empty)", cli.builtFirstRun],
      ["from TypeScript sources (checkout)", cli.source]
    ] as const) {
      say(
        `B5 cold \`rekindle status --json\`, 100 tasks, ${what}: ${fmt(t.medianMs)} ms (module import ${fmt(t.importMs)} ms, ${fmt((100 * t.importMs) / t.medianMs, 0)}%)`
      )
    }
  } else say("B5 CLI: skipped (cli/main.ts not present)")

  const out = {
    env,
    at: new Date().toISOString(),
    observe: observeRows,
    decide,
    decideAfterGc,
    decideScaling: scaling,
    persist,
    logs,
    cli
  }
  fs.mkdirSync(nodePath.join(import.meta.dirname, "../../bench-results"), { recursive: true })
  fs.writeFileSync(
    nodePath.join(import.meta.dirname, "../../bench-results/bench.json"),
    `${JSON.stringify(out, null, 2)}\n`
  )
  say("wrote bench-results/bench.json")
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
