#!/usr/bin/env node
/**
 * The `rekindle` bin: the live services (real tmux, git, /proc, disk; this terminal) around the CLI.
 * The only place live layers are composed. Logs go to stderr so stdout stays one JSON document
 * with `--json`; the exit code is the CLI's (0, 1, 2; 130 after Ctrl-C).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as References from "effect/References"
import * as Live from "./live/NodeEnv.ts"
import { runCli } from "./Program.ts"

// A reader that went away (`rekindle status | head -1`) is not an error worth a stack trace. A
// background supervisor's parent closes the pipe after the readiness line: never exit on that.
const supervising = process.argv.includes("--as-supervisor")
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE" && !supervising) process.exit(0)
})

const program = runCli(process.argv.slice(2)).pipe(
  Effect.provide(Live.layer),
  Effect.provide(NodeServices.layer),
  Effect.provideService(References.LogToStderr, true)
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) {
      // Let pending writes drain: exit through exitCode rather than process.exit.
      process.exitCode = typeof exit.value === "number" ? exit.value : 1
      onExit(0)
    } else onExit(130)
  }
})
