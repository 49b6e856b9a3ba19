/**
 * Pure transcript-location rules: where a kind keeps a conversation, given home, environment and
 * working directory. Also Claude Code's project-directory slug, which is not documented by Anthropic
 * and has changed before (long paths, v2.1.224), so it lives in exactly one function.
 */
import * as Result from "effect/Result"
import type { TranscriptRoot, TranscriptRule } from "../../core/ports/AgentLauncher.ts"
import { SAFE_CONVERSATION_ID, substitute } from "./AgentArgv.ts"

/** Claude Code keeps at most this many UTF-16 units of the slug before adding a hash suffix. */
export const CLAUDE_SLUG_MAX = 200

/** Claude Code's 32-bit string hash (Java-style, over UTF-16 code units, int32 wrap-around). */
export const claudePathHash = (s: string): number => {
  let h = 0
  for (let i = 0; i < s.length; i++) h = ((h << 5) - h + s.charCodeAt(i)) | 0
  return h
}

/**
 * The directory name Claude Code uses under `projects/` for a working directory: every UTF-16 code
 * unit outside `[A-Za-z0-9]` becomes `-` (a character outside the BMP gives two), no squeezing, the
 * leading `-` kept. Past 200 units: the first 200, `-`, and the base-36 hash of the ORIGINAL path.
 */
export const claudeProjectSlug = (cwd: string): string => {
  const slug = cwd.replace(/[^A-Za-z0-9]/g, "-")
  if (slug.length <= CLAUDE_SLUG_MAX) return slug
  return `${slug.slice(0, CLAUDE_SLUG_MAX)}-${Math.abs(claudePathHash(cwd)).toString(36)}`
}

/** Placeholders allowed in transcript paths and patterns (`conversationIdPrefix`: its first 8 characters). */
const PATH_VARS: ReadonlyArray<string> = ["cwd", "cwdSlug", "conversationId", "conversationIdPrefix"]

/** What the adapter must look for. */
type TranscriptTarget =
  | { readonly type: "none" }
  | { readonly type: "file"; readonly root: string; readonly path: string }
  | { readonly type: "glob"; readonly root: string; readonly pattern: string }

/** The context a location is computed in. */
interface LocationInput {
  readonly home: string
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  readonly conversationId: string
}

const expandHome = (p: string, home: string): string =>
  p === "~" ? home : p.startsWith("~/") ? `${home}${p.slice(1)}` : p

/** The root directory: the environment variable when set and non-empty, else the default. */
export const resolveRoot = (root: TranscriptRoot, input: Pick<LocationInput, "home" | "env" | "cwd">): string => {
  const fromEnv = root.env === undefined ? undefined : input.env[root.env]
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv
  return expandHome(root.default.replaceAll("{cwd}", input.cwd), input.home)
}

/**
 * The environment additions that make the agent write where rekindle will look: the root's variable,
 * when it is set in rekindle's own environment (a tmux server started elsewhere may lack it).
 */
export const pinnedEnv = (
  rule: TranscriptRule,
  env: Readonly<Record<string, string | undefined>>
): Record<string, string> => {
  if (rule.type === "none" || rule.root.env === undefined) return {}
  const value = env[rule.root.env]
  return value === undefined || value === "" ? {} : { [rule.root.env]: value }
}

/**
 * Where to look, or a reason why the rule cannot be applied (an unsafe conversation id: it is
 * interpolated into a path and a glob, so `/`, `..`-tricks and glob characters are refused).
 */
export const transcriptTarget = (
  rule: TranscriptRule,
  input: LocationInput
): Result.Result<TranscriptTarget, string> => {
  if (rule.type === "none") return Result.succeed({ type: "none" })
  const template = rule.type === "file" ? rule.path : rule.pattern
  const usesId = /\{conversationId(Prefix)?\}/.test(template)
  if (usesId && input.conversationId === "") return Result.fail("conversation id unknown")
  if (usesId && !SAFE_CONVERSATION_ID.test(input.conversationId)) {
    return Result.fail(`unsafe conversation id ${JSON.stringify(input.conversationId)}`)
  }
  const unknown = [...template.matchAll(/\{([A-Za-z]+)\}/g)]
    .map((m) => m[1])
    .find((n) => n !== undefined && !PATH_VARS.includes(n))
  if (unknown !== undefined) return Result.fail(`unknown placeholder {${unknown}} in "${template}"`)
  const vars = {
    cwd: input.cwd,
    cwdSlug: claudeProjectSlug(input.cwd),
    conversationId: input.conversationId,
    conversationIdPrefix: input.conversationId.slice(0, 8)
  }
  const root = resolveRoot(rule.root, input)
  return Result.map(substitute(template, vars), (expanded) =>
    rule.type === "file"
      ? { type: "file" as const, root, path: expanded }
      : { type: "glob" as const, root, pattern: expanded }
  )
}
