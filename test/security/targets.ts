/**
 * Exact tmux targets on a real private server: sessions whose names are prefixes of each other
 * (task `a` vs `ab`, a user's own `rk-hx` vs rekindle's `rk-hx-…`) and names that look like options
 * (`-t`, `--`). Every Tmux port operation aimed at one name must touch that session only: a missing
 * one fails NotFound instead of reaching a longer name, and nothing typed, piped, captured, titled or
 * killed lands anywhere else. Outcomes are counted, never thrown.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import * as TmuxCli from "../../adapters/tmux/TmuxCli.ts"
import type { TmuxError } from "../../core/ports/Tmux.ts"
import { pollUntil } from "../support/real/poll.ts"
import { freshSocket, killServer, sessionNames, tmux } from "../support/real/socket.ts"

/** What the exact-target run counted. */
export interface TargetReport {
  /** Port operations performed. */
  readonly ops: number
  /** Operations on a missing name that failed NotFound (as they must). */
  readonly refused: number
  /** Violations: a session touched that was not the target (killed, typed into, piped, titled). */
  readonly wrongTouched: ReadonlyArray<string>
  /** A key or name read as an option (tmux refused it, or it changed tmux's behaviour). */
  readonly optionInjected: ReadonlyArray<string>
}

/** The sessions: rekindle's (made through the port) and the user's (made with plain tmux). */
const OURS = ["rk-hx-ab", "rk-hx-a1", "-t", "--"]
const USERS = ["rk-hx", "rk"]

/** Run the exact-target scenario on a fresh private server (always killed afterwards). */
export const exactTargets = async (): Promise<TargetReport> => {
  const socket = freshSocket()
  const dir = fs.realpathSync(fs.mkdtempSync(nodePath.join(os.tmpdir(), "rekindle-targets-")))
  const wrong: Array<string> = []
  const injected: Array<string> = []
  let ops = 0
  let refused = 0
  try {
    const port = await Effect.runPromise(TmuxCli.make({ socket }).pipe(Effect.provide(NodeServices.layer)))
    const attempt = <A>(label: string, e: Effect.Effect<A, TmuxError>) => {
      ops++
      return Effect.runPromise(Effect.result(e)).then((r) => ({ label, r }))
    }
    for (const name of OURS) await Effect.runPromise(port.newSession({ name, cwd: dir, argv: ["cat", "-"] }))
    for (const name of USERS) tmux(socket, "new-session", "-d", "-s", name, "cat", "-")
    const all = [...OURS, ...USERS].sort()
    const screen = (name: string) => tmux(socket, "capture-pane", "-p", "-t", `=${name}:`).stdout
    const piped = (name: string) =>
      tmux(socket, "display-message", "-p", "-t", `=${name}:`, "#{pane_pipe}").stdout.trim()
    const status = (name: string) => tmux(socket, "show-options", "-v", "-t", `=${name}:`, "status-right").stdout
    const baseline = new Map(all.map((n) => [n, { status: status(n) }]))

    // 1. A missing name that is a prefix of others (task `a`), and one that prefixes only the user's.
    for (const missing of ["rk-hx-a", "r", "rk-h"]) {
      const log = nodePath.join(dir, `${missing}.log`)
      for (const { label, r } of [
        await attempt(`kill ${missing}`, port.killSession({ name: missing })),
        await attempt(`send ${missing}`, port.sendText({ session: missing }, `TYPED-${missing}`)),
        await attempt(`keys ${missing}`, port.sendKeys({ session: missing }, ["Enter"])),
        await attempt(`capture ${missing}`, port.capture({ session: missing }, 5)),
        await attempt(`pipe ${missing}`, port.ensurePipe({ session: missing }, log)),
        await attempt(`status ${missing}`, port.setStatus({ name: missing }, `STATUS-${missing}`))
      ]) {
        if (r._tag === "Failure" && r.failure.reason === "NotFound") refused++
        else wrong.push(`${label}: ${r._tag === "Failure" ? r.failure.reason : "succeeded"} (must be NotFound)`)
      }
    }
    for (const n of all) {
      if (!sessionNames(socket).includes(n)) wrong.push(`${n} was killed`)
      else {
        if (screen(n).includes("TYPED-")) wrong.push(`${n} received text meant for another session`)
        if (piped(n) === "1") wrong.push(`${n} was piped`)
        if (status(n) !== baseline.get(n)!.status) wrong.push(`${n} status changed`)
      }
    }

    // 2. Option-like names and keys: `-t` and `--` are targeted as names, `-X` is pressed as a key.
    for (const name of ["-t", "--"]) {
      const { r } = await attempt(`send ${name}`, port.sendText({ session: name }, `hello ${name}`))
      if (r._tag === "Failure") injected.push(`send to ${name}: ${r.failure.message}`)
      else {
        const seen = await pollUntil(
          `text in ${name}`,
          () => (screen(name).includes(`hello ${name}`) ? true : undefined),
          10_000
        ).catch(() => false)
        if (!seen) injected.push(`text for ${name} never arrived`)
      }
    }
    const keys = await attempt("keys -X", port.sendKeys({ session: "rk-hx-ab" }, ["-X", "-", "X"]))
    if (keys.r._tag === "Failure") injected.push(`send-keys -X was read as an option: ${keys.r.failure.message}`)

    // 3. Kill the option-like and the longer names exactly: the others stay.
    for (const name of ["-t", "rk-hx-ab"]) {
      const { r } = await attempt(`kill ${name}`, port.killSession({ name }))
      if (r._tag === "Failure") wrong.push(`kill ${name} failed: ${r.failure.message}`)
    }
    const left = sessionNames(socket)
    const expectLeft = all.filter((n) => n !== "-t" && n !== "rk-hx-ab")
    if (JSON.stringify(left) !== JSON.stringify(expectLeft))
      wrong.push(`after the exact kills: ${left.join(" ")} (expected ${expectLeft.join(" ")})`)
    return { ops, refused, wrongTouched: wrong, optionInjected: injected }
  } finally {
    killServer(socket)
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
