/**
 * Hostile prompts and argv elements through a real batch (real tmux + git, the bundled fake agent,
 * the supervisor fixture of test/support/real/e2e.ts): one task per hostile string, whose prompt (the
 * REKINDLE_PROMPT a `shell` agent gets) and command arguments are that string. A recorder (a fixed
 * `node -e` script: data only ever travels as argv and environment) writes what the program
 * received as JSON, then runs the real fake agent in the same process, which finishes the task.
 * The first tasks are named `__proto__`, `constructor`, `toString` (valid ids that are Object.prototype
 * members); `rekindle status --json` must list them. The same batch is where file modes are
 * checked (run it under a umask of 022: see modes.ts).
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { sessionNameFor } from "../../core/domain/Naming.ts"
import { E2E, FAKE_AGENT } from "../support/real/e2e.ts"
import { pollUntil } from "../support/real/poll.ts"
import { sessionNames } from "../support/real/socket.ts"
import { HOSTILE } from "./inputs.ts"
import { runCli } from "./cli.ts"
import { checkModes, type ModeReport } from "./modes.ts"

/**
 * The recorder: argv after `--` is `<record file> <agent> <args…>`; it writes `{ argv, prompt }`
 * and becomes the fake agent (whose own argv then holds no `--`, so it reads REKINDLE_PROMPT).
 */
const RECORDER = [
  "const fs = require('node:fs')",
  "const [out, agent, ...rest] = process.argv.slice(1)",
  "fs.writeFileSync(out, JSON.stringify({ argv: rest, prompt: process.env.REKINDLE_PROMPT ?? null }))",
  "process.argv = [process.argv[0], agent]",
  "import(agent)"
].join("\n")

/** What a batch of hostile prompts showed. */
export interface DeliveryOutcome {
  /** Tasks run (one per class). */
  readonly inputs: number
  /** Tasks whose program received its prompt and argv byte for byte and then succeeded. */
  readonly exact: number
  /** Per class: what differed (empty when exact). */
  readonly mismatches: ReadonlyArray<string>
  /** An injected command ran (the pwned file exists). */
  readonly pwned: boolean
  /** Sessions on the socket that are not a task's own (a name made up by an injection). */
  readonly strangers: ReadonlyArray<string>
  /** The batch's final phase (or why the supervisor failed). */
  readonly phase: string
  /** Why `rekindle status --json` on the finished batch failed or missed a task (absent when fine). */
  readonly statusProblem?: string
  /** Modes under .rekindle after the batch (and of the lease while it ran). */
  readonly modes: ModeReport
}

/** The classes whose strings a launch carries (NUL is refused by the manifest: see inputs.expected). */
export const DELIVERABLE: ReadonlyArray<string> = Object.keys(HOSTILE).filter((c) => !HOSTILE[c]!.includes("\u0000"))

/** Run one batch with a task per class in `classes`; read back what each program received. */
export const deliverHostile = async (classes: ReadonlyArray<string>): Promise<DeliveryOutcome> => {
  const e = new E2E("verbatim")
  try {
    const pwned = nodePath.join(e.dir, "pwned")
    const arm = (s: string) => s.replaceAll("PWNED", pwned)
    // Ids the Schema accepts that are also Object.prototype member names, then plain ones.
    const ids = ["__proto__", "constructor", "toString"]
    const cases = classes.map((c, i) => ({
      c,
      id: ids[i] ?? `t${i}`,
      value: arm(HOSTILE[c]!),
      record: nodePath.join(e.dir, `received-${i}.json`)
    }))
    // One lane: one merge for the whole wave (a merge per task would dominate the run time).
    e.manifest(
      cases.map((k) =>
        e.task(k.id, k.value, [], {
          lane: "all",
          command: [process.execPath, "-e", RECORDER, "--", k.record, FAKE_AGENT, k.value, "x"]
        })
      ),
      { maxLanes: Math.min(64, Math.max(1, cases.length)), failurePolicy: "skip-dependents" }
    )
    const sup = e.supervisor()
    // The lease exists only while the supervisor runs: check its mode then.
    const leaseMode = await pollUntil(
      "the lease file",
      () => {
        try {
          return fs.statSync(e.paths.lease).mode & 0o777
        } catch {
          return undefined
        }
      },
      60_000
    ).catch(() => undefined)
    let phase: string
    try {
      await sup.waitFor("ended", 180_000)
      phase = e.state()?.phase ?? "unknown"
    } catch (err) {
      phase = `supervisor failed: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`
    }
    const mismatches: Array<string> = []
    let exact = 0
    for (const k of cases) {
      const got = fs.existsSync(k.record)
        ? (JSON.parse(fs.readFileSync(k.record, "utf8")) as { argv: ReadonlyArray<string>; prompt: string | null })
        : undefined
      const status = e.status(k.id)
      const problems = [
        ...(got === undefined ? ["the program never ran"] : []),
        ...(got !== undefined && got.prompt !== k.value ? [`prompt ${JSON.stringify(got.prompt)}`] : []),
        ...(got !== undefined && JSON.stringify(got.argv) !== JSON.stringify([k.value, "x"])
          ? [`argv ${JSON.stringify(got.argv)}`]
          : []),
        ...(status === "succeeded" ? [] : [`status ${status}`])
      ]
      if (problems.length === 0) exact++
      else mismatches.push(`${k.c}: ${problems.join("; ")}`)
    }
    const own = new Set([...cases.map((k) => sessionNameFor(e.batchId, k.id)), sessionNameFor(e.batchId, "supervisor")])
    const modes = checkModes(e.repo)
    const status = await runCli(["status", "--json", "--repo", e.repo], e.repo)
    const listed = (() => {
      try {
        return (JSON.parse(status.stdout) as { tasks: ReadonlyArray<{ id: string }> }).tasks.map((t) => t.id)
      } catch {
        return []
      }
    })()
    const statusProblem =
      status.code === 0 && cases.every((k) => listed.includes(k.id))
        ? undefined
        : `status --json: exit ${status.code} ${status.stdout.slice(0, 200)} ${status.stderr.slice(0, 400)}`
    return {
      inputs: cases.length,
      exact,
      mismatches,
      pwned: fs.existsSync(pwned),
      strangers: sessionNames(e.socket).filter((s) => !own.has(s)),
      phase,
      ...(statusProblem === undefined ? {} : { statusProblem }),
      modes: {
        checked: modes.checked + (leaseMode === undefined ? 0 : 1),
        wrong: [
          ...modes.wrong,
          ...(leaseMode === undefined || leaseMode === 0o600 ? [] : [`${leaseMode.toString(8)} lease.json`])
        ]
      }
    }
  } finally {
    await e.cleanup()
  }
}
