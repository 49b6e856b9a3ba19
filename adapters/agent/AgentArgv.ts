/**
 * Pure argv construction from an agent-table row. No Effect, no I/O: the adapter supplies the id.
 *
 * Expansion is one pass over the TEMPLATE (String.replace with a function never re-scans what it
 * inserted), so a prompt that contains `{conversationId}` or `$(rm -rf ~)` stays literal text inside
 * exactly one argv element. Option safety is a property of the template, checked by
 * {@link checkKindSpec}: a value that may start with `-` (the prompt) never decides the first
 * character of an argv element unless a `--` end-of-options marker came before it.
 */
import * as Result from "effect/Result"
import { type AgentKindSpec, type ArgvToken, checkKindSpec, PLACEHOLDER } from "../../core/domain/AgentSpec.ts"
import type { Launch } from "../../core/ports/AgentLauncher.ts"

export { checkKindSpec } from "../../core/domain/AgentSpec.ts"

import { SAFE_CONVERSATION_ID } from "../../core/domain/ConversationFollow.ts"

export { SAFE_CONVERSATION_ID }

/** Values for one expansion. Absent or empty values drop `when` groups that need them. */
interface ArgvInput {
  readonly prompt?: string | undefined
  readonly conversationId?: string | undefined
  readonly cwd: string
  readonly command?: ReadonlyArray<string> | undefined
  /** Where the prompt was written, for templates that pass it as a file (`{promptFile}`). */
  readonly promptFile?: string | undefined
  /** The task's extra arguments: at `{ splice: "args" }`, else right after the executable. */
  readonly args?: ReadonlyArray<string> | undefined
  /** The task's extra environment variables. */
  readonly env?: Readonly<Record<string, string>> | undefined
}

/** Why a build was refused: the port's error reason and a human message. */
export interface BuildFailure {
  readonly reason: "NoResume" | "Invalid"
  readonly message: string
}

const present = (s: string | undefined): s is string => s !== undefined && s !== ""

/** Substitute placeholders in one template string (one pass). */
export const substitute = (
  template: string,
  vars: Readonly<Record<string, string | undefined>>
): Result.Result<string, string> => {
  let missing: string | undefined
  const out = template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = Object.hasOwn(vars, name) ? vars[name] : undefined
    if (value === undefined) {
      missing ??= name
      return whole
    }
    return value
  })
  return missing === undefined ? Result.succeed(out) : Result.fail(`no value for {${missing}} in "${template}"`)
}

/** Expand a template into argv elements (argv[0] not included). */
const expandArgv = (tokens: ReadonlyArray<ArgvToken>, input: ArgvInput): Result.Result<Array<string>, string> => {
  const vars = {
    prompt: input.prompt,
    promptFile: present(input.prompt) ? input.promptFile : undefined,
    conversationId: input.conversationId,
    cwd: input.cwd
  }
  const out: Array<string> = []
  const add = (template: string): string | undefined => {
    const r = substitute(template, vars)
    if (Result.isFailure(r)) return r.failure
    out.push(r.success)
    return undefined
  }
  for (const token of tokens) {
    if (typeof token === "string") {
      const problem = add(token)
      if (problem !== undefined) return Result.fail(problem)
    } else if ("splice" in token && token.splice === "args") {
      out.push(...(input.args ?? []))
    } else if ("splice" in token) {
      if (input.command === undefined || input.command.length === 0)
        return Result.fail("this kind needs the task's `command` (a non-empty argv array)")
      out.push(...input.command)
    } else if (present(vars[token.when])) {
      for (const t of token.argv) {
        const problem = add(t)
        if (problem !== undefined) return Result.fail(problem)
      }
    }
  }
  const nul = out.find((a) => a.includes("\u0000"))
  if (nul !== undefined) return Result.fail("an argv element contains a NUL byte, which no program can receive")
  return Result.succeed(out)
}

const launch = (
  spec: AgentKindSpec,
  tokens: ReadonlyArray<ArgvToken>,
  input: ArgvInput,
  pinnedEnv: Readonly<Record<string, string>>
): Result.Result<Launch, BuildFailure> => {
  const problems = checkKindSpec(spec)
  if (problems.length > 0)
    return Result.fail({ reason: "Invalid", message: `agent kind "${spec.name}": ${problems.join("; ")}` })
  if (present(input.conversationId) && !SAFE_CONVERSATION_ID.test(input.conversationId)) {
    return Result.fail({ reason: "Invalid", message: `unsafe conversation id ${JSON.stringify(input.conversationId)}` })
  }
  const expanded = expandArgv(tokens, input)
  if (Result.isFailure(expanded))
    return Result.fail({ reason: "Invalid", message: `agent kind "${spec.name}": ${expanded.failure}` })
  const placesArgs = tokens.some((t) => typeof t === "object" && "splice" in t && t.splice === "args")
  const extra = placesArgs ? [] : (input.args ?? [])
  const argv = spec.executable === undefined ? expanded.success : [spec.executable, ...extra, ...expanded.success]
  const env: Record<string, string> = { ...input.env, ...pinnedEnv }
  if (spec.promptEnv !== undefined && input.prompt !== undefined) {
    if (input.prompt.includes("\u0000"))
      return Result.fail({ reason: "Invalid", message: "the prompt contains a NUL byte" })
    env[spec.promptEnv] = input.prompt
  }
  return Result.succeed(
    present(input.conversationId) ? { argv, env, conversationId: input.conversationId } : { argv, env }
  )
}

/**
 * Fresh-start argv. `conversationId` is used only by `assigned` kinds (the adapter generates one
 * when absent); `pinnedEnv` fixes where the agent writes its transcript (see TranscriptPath).
 */
export const buildFresh = (
  spec: AgentKindSpec,
  input: ArgvInput,
  pinnedEnv: Readonly<Record<string, string>> = {}
): Result.Result<Launch, BuildFailure> => {
  const id = spec.conversation === "assigned" ? input.conversationId : undefined
  if (spec.conversation === "assigned" && !present(id))
    return Result.fail({
      reason: "Invalid",
      message: `agent kind "${spec.name}" needs a conversation id assigned before launch`
    })
  return launch(spec, spec.fresh, { ...input, conversationId: id }, pinnedEnv)
}

/** Resume argv; `NoResume` when the kind cannot resume or the id it needs is unknown. */
export const buildResume = (
  spec: AgentKindSpec,
  input: ArgvInput,
  pinnedEnv: Readonly<Record<string, string>> = {}
): Result.Result<Launch, BuildFailure> => {
  if (spec.resume === undefined || spec.conversation === "none")
    return Result.fail({ reason: "NoResume", message: `agent kind "${spec.name}" cannot resume a conversation` })
  const needsId = spec.conversation === "assigned" || spec.conversation === "discovered"
  if (needsId && !present(input.conversationId))
    return Result.fail({
      reason: "NoResume",
      message: `agent kind "${spec.name}" needs the conversation id to resume, and it is not known`
    })
  return launch(spec, spec.resume, { ...input, conversationId: needsId ? input.conversationId : undefined }, pinnedEnv)
}
