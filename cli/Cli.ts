/**
 * The `rekindle` command tree: every use-case as a subcommand of the root (which carries the shared
 * `--json`, `--repo` and `--socket` flags).
 */
import { Command } from "effect/cli"
import { abort } from "./commands/Abort.ts"
import { continueBatch, pause } from "./commands/Pause.ts"
import { send } from "./commands/Send.ts"
import { events } from "./commands/Events.ts"
import { attach } from "./commands/Attach.ts"
import { clean } from "./commands/Clean.ts"
import { doctor } from "./commands/Doctor.ts"
import { importCmd } from "./commands/Import.ts"
import { list } from "./commands/List.ts"
import { logs } from "./commands/Logs.ts"
import { observe } from "./commands/Observe.ts"
import { plan } from "./commands/Plan.ts"
import { repair } from "./commands/Repair.ts"
import { restart } from "./commands/Restart.ts"
import { resume } from "./commands/Resume.ts"
import { demo } from "./commands/Demo.ts"
import { run } from "./commands/Run.ts"
import { schema } from "./commands/Schema.ts"
import { status } from "./commands/Status.ts"
import { root } from "./Root.ts"

/** The version `rekindle --version` prints (kept equal to package.json's by a test). */
export const VERSION = "0.1.0"

/** The whole CLI. */
export const cli = root.pipe(
  Command.withSubcommands([
    run,
    status,
    list,
    plan,
    resume,
    clean,
    repair,
    attach,
    restart,
    abort,
    pause,
    continueBatch,
    send,
    events,
    importCmd,
    logs,
    observe,
    schema,
    doctor,
    demo
  ])
)
