/**
 * `npm run soak` — the reliability and security campaign (issue 8): the kill -9 loop, the fault
 * list, concurrency, state-file abuse and hostile input, and the black-box suite at soak scale
 * (issue 13), each counted. Prints one table (and writes
 * it as markdown and JSON to soak-results/) and exits 1 when any violation count is not 0.
 * `npm run soak -- --quick` runs every campaign at a smaller scale; `--only <name>` runs one.
 * The same campaigns run at "slice" scale inside `npm test` (test/soak/*.test.ts).
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { machine } from "../../test/support/machine.ts"
import { type Campaign, markdown, type Row, type Scale, violations } from "./Report.ts"

/** Campaign modules in the order the table lists them (each exports `campaign`). */
const MODULES = ["KillLoop", "Faults", "Concurrency", "StateAbuse", "Hostile", "BlackBox"] as const

const args = process.argv.slice(2)
const scale: Scale = args.includes("--quick") ? "quick" : "full"
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined
const say = (line: string) => process.stdout.write(`${line}\n`)

/** Plain-text table with aligned columns for the terminal. */
const table = (rows: ReadonlyArray<Row>): string => {
  const cells = [
    ["GROUP", "CASE", "RUNS", "VIOLATIONS", "OUTCOME"],
    ...rows.map((r) => [r.group, r.case, String(r.runs), String(violations(r)), r.outcome])
  ]
  const widths = cells[0]!.map((_, i) => Math.min(60, Math.max(...cells.map((c) => c[i]!.length))))
  return cells.map((c) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!))).join("  ")).join("\n")
}

const main = async () => {
  const started = performance.now()
  const env = { ...machine(), scale }
  say(`rekindle soak — ${env.cpu} × ${env.cores}, Node ${env.node}, ${env.tmux}, ${env.git} (${scale})`)
  const rows: Array<Row> = []
  const timings: Record<string, number> = {}
  for (const name of MODULES) {
    if (only !== undefined && only !== name) continue
    const { campaign } = (await import(`./${name}.ts`)) as { readonly campaign: Campaign }
    const t0 = performance.now()
    say(`▶ ${campaign.name} …`)
    const got = await campaign.run(scale)
    timings[name] = Math.round((performance.now() - t0) / 1000)
    for (const r of got)
      say(
        `  ${violations(r) === 0 ? "✓" : "✗"} ${r.group} / ${r.case}: ${r.runs} runs, ${violations(r)} violations — ${r.outcome}`
      )
    say(`  (${timings[name]} s)`)
    rows.push(...got)
  }
  const total = Math.round((performance.now() - started) / 1000)
  const bad = rows.reduce((n, r) => n + violations(r), 0)
  say("")
  say(table(rows))
  say("")
  say(`${rows.length} rows, ${rows.reduce((n, r) => n + r.runs, 0)} runs, ${bad} violations, ${total} s`)
  const dir = nodePath.join(import.meta.dirname, "../../soak-results")
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(nodePath.join(dir, "soak.md"), `${markdown(rows)}\n`)
  fs.writeFileSync(
    nodePath.join(dir, "soak.json"),
    `${JSON.stringify({ env, at: new Date().toISOString(), seconds: total, timings, rows }, null, 2)}\n`
  )
  say("wrote soak-results/soak.md and soak-results/soak.json")
  if (bad > 0) process.exitCode = 1
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
