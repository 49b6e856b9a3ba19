/**
 * `rekindle schema <name>`: the JSON Schema (draft 2020-12) of a document rekindle reads or writes:
 * the state file, the manifest, a signals snapshot, and the `--json` output of each command.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { Argument, Command } from "effect/cli"
import { jsonSchemaOf, SHAPES, type ShapeName } from "../render/Shapes.ts"

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
