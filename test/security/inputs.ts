/**
 * Hostile input for the security tests and the "hostile input" soak campaign (issue 8): named
 * classes of strings (shell metacharacters, tmux formats, option look-alikes, path tricks, unicode,
 * lengths), the manifest fields they are planted in, and fast-check arbitraries of hostile strings,
 * structured manifests and arbitrary JSON. Pure data: nothing here touches the machine.
 */
import fc from "fast-check"
import { SAFE_ID_PATTERN } from "../../core/domain/Ids.ts"

/**
 * One hostile string per class. `PWNED` marks a command that would create a file if anything ever
 * ran it: callers replace it with a path of their own and check the file never appears.
 */
export const HOSTILE: Readonly<Record<string, string>> = {
  semicolon: "a;touch PWNED",
  trailingSemicolon: "a;",
  pipe: "a|touch PWNED",
  and: "a&&touch PWNED",
  subshell: "$(touch PWNED)",
  backtick: "`touch PWNED`",
  singleQuote: "it's",
  doubleQuote: 'say "hi"',
  space: "a b",
  tab: "a\tb",
  newline: "a\ntouch PWNED",
  nul: "a\u0000b",
  dash: "-rf",
  dashdash: "--help",
  dashT: "-t",
  dotdot: "..",
  dotdotPath: "../../../../tmp/PWNED",
  slash: "a/b",
  absolute: "/tmp/PWNED",
  backslash: "a\\b",
  tmuxFormat: "#{pane_id}",
  tmuxCommand: "#(touch PWNED)",
  percent: "%1 %s",
  dollarVar: "$HOME",
  glob: "*",
  tilde: "~",
  dot: "a.b",
  colon: "a:b",
  equals: "=a",
  combining: "e\u0301\u0308",
  rtl: "a\u202Etxt.exe",
  emoji: "🔥🚀",
  fullwidth: "ａｂｃ",
  zeroWidth: "a\u200Bb",
  long: "x".repeat(300),
  empty: ""
}

/** The class names, in a stable order. */
export const CLASSES: ReadonlyArray<string> = Object.keys(HOSTILE)

/** Whether a string may be an id (task, lane, batch, dependency): the manifest's safe charset. */
export const isSafeId = (s: string): boolean => SAFE_ID_PATTERN.test(s)

/** Where a hostile string is planted in a manifest. */
export type Field =
  | "taskId"
  | "lane"
  | "batchId"
  | "dependsOn"
  | "agent"
  | "socket"
  | "prompt"
  | "command"
  | "program"
  | "promptFile"
  | "failurePolicy"

/** Every field, in a stable order. */
export const FIELDS: ReadonlyArray<Field> = [
  "taskId",
  "lane",
  "batchId",
  "dependsOn",
  "agent",
  "socket",
  "prompt",
  "command",
  "program",
  "promptFile",
  "failurePolicy"
]

/** The Schema path a rejection of `field` must name (as Schema prints it). */
export const fieldPath: Readonly<Record<Field, string>> = {
  taskId: `["tasks"][0]["id"]`,
  lane: `["tasks"][0]["lane"]`,
  batchId: `["options"]["batchId"]`,
  dependsOn: `["tasks"][1]["dependsOn"][0]`,
  agent: `["tasks"][0]["agent"]`,
  socket: `["options"]["tmuxSocket"]`,
  prompt: `["tasks"][0]["prompt"]`,
  command: `["tasks"][0]["command"][1]`,
  program: `["tasks"][0]["command"][0]`,
  promptFile: `["tasks"][0]["prompt"]["file"]`,
  failurePolicy: `["options"]["failurePolicy"]`
}

/** A valid two-task manifest (b depends on a) with `value` planted in `field`. */
export const plant = (field: Field, value: string, socket = "rekindle-test-unused"): Record<string, unknown> => {
  const a: Record<string, unknown> = { id: "a", agent: "shell", prompt: "do a", command: ["true", "x"] }
  const b: Record<string, unknown> = { id: "b", agent: "shell", prompt: "do b", command: ["true"], dependsOn: ["a"] }
  const options: Record<string, unknown> = { batchId: "hostile", tmuxSocket: socket }
  switch (field) {
    case "taskId":
      a["id"] = value
      b["dependsOn"] = []
      break
    case "lane":
      a["lane"] = value
      break
    case "batchId":
      options["batchId"] = value
      break
    case "dependsOn":
      b["dependsOn"] = [value]
      break
    case "agent":
      a["agent"] = value
      delete a["command"]
      break
    case "socket":
      options["tmuxSocket"] = value
      break
    case "prompt":
      a["prompt"] = value
      break
    case "command":
      a["command"] = ["true", value]
      break
    case "program":
      a["command"] = [value, "x"]
      break
    case "promptFile":
      a["prompt"] = { file: value }
      break
    case "failurePolicy":
      options["failurePolicy"] = value
      break
  }
  return { tasks: [a, b], options }
}

/**
 * What a planted value must lead to: `reject` (E_INVALID_MANIFEST naming the field), `accept` (the
 * value is carried verbatim), or `either` where the outcome depends on the machine (a prompt file
 * or a program that may or may not exist: only "no crash, nothing run" is required there).
 */
export const expected = (field: Field, value: string): "reject" | "accept" | "either" => {
  switch (field) {
    case "taskId":
      return isSafeId(value) && value !== "b" ? "accept" : "reject" // "b" would be a duplicate id
    case "lane":
    case "batchId":
      return isSafeId(value) ? "accept" : "reject"
    case "dependsOn":
      return value === "a" ? "accept" : "reject" // anything else names no task
    case "agent":
      return ["claude", "codex", "opencode", "aider", "shell", "pi", "gemini"].includes(value) ? "accept" : "reject"
    case "socket":
      return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(value) ? "accept" : "reject"
    case "failurePolicy":
      return ["stop-all", "stop-wave", "skip-dependents"].includes(value) ? "accept" : "reject"
    case "prompt":
    case "command":
      return value.includes("\u0000") ? "reject" : "accept"
    case "program":
      return value === "" || value.includes("\u0000") ? "reject" : "either"
    case "promptFile":
      return value === "" || value.includes("\u0000") ? "reject" : "either"
  }
}

/** A hostile string: one of the classes, a mix of them, or fast-check's own unicode strings. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...Object.values(HOSTILE)),
  fc
    .array(fc.constantFrom(...Object.values(HOSTILE).filter((s) => s.length < 40)), { minLength: 1, maxLength: 4 })
    .map((xs) => xs.join("")),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/)
)

/** A string that is sometimes a valid id, sometimes hostile. */
const idLike = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_-]{0,6}$/), hostileString)

/** One manifest task with hostile strings in any field (or none). */
const taskArb = (ids: fc.Arbitrary<string>) =>
  fc
    .record({
      id: ids,
      agent: fc.oneof(fc.constantFrom("claude", "codex", "opencode", "aider", "shell"), hostileString),
      prompt: fc.oneof(hostileString, fc.record({ file: hostileString })),
      command: fc.option(fc.array(hostileString, { minLength: 0, maxLength: 4 }), { nil: undefined }),
      dependsOn: fc.option(fc.array(ids, { maxLength: 3 }), { nil: undefined }),
      lane: fc.option(idLike, { nil: undefined })
    })
    .map((t) => Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)))

/** A structured manifest: the right shape, hostile or valid strings everywhere. */
export const structuredManifest: fc.Arbitrary<unknown> = fc
  .uniqueArray(idLike, { minLength: 1, maxLength: 5 })
  .chain((ids) =>
    fc
      .record(
        {
          tasks: fc.array(taskArb(fc.oneof(fc.constantFrom(...ids), idLike)), { minLength: 1, maxLength: 5 }),
          options: fc.option(
            fc.record(
              {
                batchId: fc.option(idLike, { nil: undefined }),
                tmuxSocket: fc.option(hostileString, { nil: undefined }),
                maxLanes: fc.option(fc.oneof(fc.integer({ min: -2, max: 80 }), fc.double()), { nil: undefined }),
                failurePolicy: fc.option(
                  fc.oneof(fc.constantFrom("stop-all", "stop-wave", "skip-dependents"), hostileString),
                  { nil: undefined }
                ),
                doneMarker: fc.option(fc.constantFrom("state-dir", "worktree", "../x"), { nil: undefined })
              },
              { requiredKeys: [] }
            ),
            { nil: undefined }
          )
        },
        { requiredKeys: ["tasks"] }
      )
      .map((m) => JSON.parse(JSON.stringify(m)) as unknown)
  )

/** Safe ids, often ones that are also names of Object.prototype members (`__proto__` sets a prototype). */
const safeId = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/),
  fc.constantFrom(
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "valueOf",
    "prototype",
    "a",
    "ab",
    "a-",
    "_"
  )
)

/**
 * A manifest that mostly passes the Schema: safe ids, valid agents and commands, hostile prompts
 * and argv elements (carried verbatim). Accepted manifests are what the escape property is about.
 */
export const acceptedManifest: fc.Arbitrary<unknown> = fc
  .uniqueArray(safeId, { minLength: 1, maxLength: 5 })
  .chain((ids) =>
    fc
      .record({
        tasks: fc.tuple(
          ...ids.map((id, i) =>
            fc.record({
              id: fc.constant(id),
              agent: fc.constantFrom("claude", "codex", "shell"),
              prompt: hostileString.map((s) => s.replaceAll("\u0000", "")),
              argv: fc.array(
                hostileString.map((s) => s.replaceAll("\u0000", "")),
                { maxLength: 3 }
              ),
              dependsOn: fc.subarray(ids.slice(0, i)),
              lane: fc.option(fc.constantFrom(...ids), { nil: undefined })
            })
          )
        ),
        options: fc.record({
          batchId: safeId,
          doneMarker: fc.constantFrom("state-dir", "worktree")
        })
      })
      .map(({ tasks, options }) => ({
        options,
        tasks: tasks.map((t) => ({
          id: t.id,
          agent: t.agent,
          prompt: t.prompt,
          dependsOn: t.dependsOn,
          ...(t.agent === "shell" ? { command: ["true", ...t.argv] } : {}),
          ...(t.lane === undefined ? {} : { lane: t.lane })
        }))
      }))
  )

/** Arbitrary JSON (any shape at all), sometimes wrapped as `{ tasks: … }`. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.jsonValue().map((tasks) => ({ tasks })),
  fc.array(fc.jsonValue(), { maxLength: 3 }).map((tasks) => ({ tasks })),
  fc
    .array(
      fc.dictionary(
        fc.constantFrom("id", "agent", "prompt", "command", "dependsOn", "lane", "__proto__", "constructor"),
        fc.jsonValue()
      ),
      { maxLength: 3 }
    )
    .map((tasks) => ({ tasks }))
)
