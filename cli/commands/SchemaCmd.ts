/**
 * `rekindle schema <name>`: the JSON Schema (draft 2020-12) of a document rekindle reads or writes:
 * the state file, the manifest, a signals snapshot, and the `--json` output of each command.
 */
import { BatchEvent } from "../../core/domain/Notification.ts"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Argument, Command } from "effect/cli"
import { Manifest } from "../../core/domain/Manifest.ts"
import { Signals } from "../../core/domain/Signals.ts"
import { BatchState } from "../../core/domain/State.ts"
import * as Shapes from "../render/Shapes.ts"

/** Every documented shape, by name. */
export const SHAPES = {
  state: BatchState,
  manifest: Manifest,
  signals: Signals,
  plan: Shapes.PlanOutput,
  status: Shapes.StatusOutput,
  list: Shapes.ListOutput,
  clean: Shapes.CleanOutput,
  run: Shapes.RunOutput,
  resume: Shapes.ResumeOutput,
  detached: Shapes.DetachedOutput,
  repair: Shapes.RepairOutput,
  abort: Shapes.AbortOutput,
  request: Shapes.RequestOutput,
  event: BatchEvent,
  interrupted: Shapes.InterruptedOutput,
  attach: Shapes.AttachOutput,
  logs: Shapes.LogsOutput,
  doctor: Shapes.DoctorOutput,
  declined: Shapes.DeclinedOutput,
  error: Shapes.ErrorOutput
} as const satisfies Record<string, Schema.Top>

/** The names `schema` accepts. */
export type ShapeName = keyof typeof SHAPES

/** A standalone JSON Schema document for `name`. */
export const jsonSchemaOf = (name: ShapeName): unknown => {
  const doc = Schema.toJsonSchemaDocument(SHAPES[name])
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: `rekindle ${name}`,
    ...doc.schema,
    ...(Object.keys(doc.definitions).length === 0 ? {} : { $defs: doc.definitions })
  }
}

/** The `schema` command. */
export const schema = Command.make(
  "schema",
  {
    name: Argument.Literals("name", Object.keys(SHAPES) as Array<ShapeName>).pipe(
      Argument.withDescription("Which document")
    )
  },
  Effect.fn("cli.schema")(function* ({ name }) {
    yield* Console.log(JSON.stringify(jsonSchemaOf(name), null, 2))
  })
).pipe(
  Command.withShortDescription("JSON Schema of a document or of --json output"),
  Command.withDescription(
    "Print the JSON Schema of the state file, the manifest, a signals snapshot, or a command's --json output."
  ),
  Command.withExamples([
    { command: "rekindle schema state", description: "the state file (.rekindle/<batch>/state.json)" },
    { command: "rekindle schema plan", description: "what `rekindle plan --json` prints" }
  ])
)
