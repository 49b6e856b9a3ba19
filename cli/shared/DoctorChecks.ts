/**
 * The pure half of `rekindle doctor`: version parsing and the minimums rekindle relies on, and the
 * transcript directories an agent table names.
 */
import type { AgentKindSpec } from "../../core/ports/AgentLauncher.ts"
import type { DoctorCheck } from "../render/Shapes.ts"

/** tmux 3.0 introduced pane options (`@rekindle_task`, the ownership tag). */
export const MIN_TMUX: readonly [number, number] = [3, 0]
/** git 2.36 introduced `git worktree list --porcelain -z`. */
export const MIN_GIT: readonly [number, number] = [2, 36]

/** `[major, minor]` from `tmux 3.3a` / `tmux next-3.4` / `git version 2.39.2`. */
export const parseVersion = (text: string): readonly [number, number] | undefined => {
  const m = /(\d+)\.(\d+)/.exec(text)
  return m === null ? undefined : [Number(m[1]), Number(m[2])]
}

const atLeast = (v: readonly [number, number], min: readonly [number, number]) =>
  v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1])

/** Judge a `-V` / `--version` answer against a minimum. */
export const versionCheck = (
  name: string,
  output: string | undefined,
  min: readonly [number, number],
  why: string
): DoctorCheck => {
  if (output === undefined) return { name, status: "fail", detail: `${name} not found on PATH` }
  const v = parseVersion(output)
  const line = output.trim().split("\n")[0] ?? ""
  if (v === undefined) return { name, status: "warn", detail: `cannot read the version from "${line}"` }
  return atLeast(v, min)
    ? { name, status: "ok", detail: line }
    : { name, status: "fail", detail: `${line}: ${min[0]}.${min[1]} or newer needed (${why})` }
}

/** Transcript directories of the agent table (those not relative to a worktree), with the agent. */
export const transcriptDirs = (
  kinds: ReadonlyArray<AgentKindSpec>,
  env: Readonly<Record<string, string | undefined>>
): ReadonlyArray<{ readonly agent: string; readonly dir: string }> =>
  kinds.flatMap((k) => {
    const rule = k.transcript
    if (rule.type === "none") return []
    const fromEnv = rule.root.env === undefined ? undefined : env[rule.root.env]
    const raw = fromEnv !== undefined && fromEnv !== "" ? fromEnv : rule.root.default
    if (raw.includes("{cwd}")) return []
    const home = env["HOME"] ?? ""
    if (raw === "~") {
      // A root that is the home itself says nothing: check the path's leading literal directories (Gemini's
      // `.gemini/tmp`; its root is the home because GEMINI_CLI_HOME replaces the home).
      const segments = (rule.type === "file" ? rule.path : rule.pattern).split("/").slice(0, -1)
      const end = segments.findIndex((seg) => /[*?[{]/.test(seg))
      const literal = (end === -1 ? segments : segments.slice(0, end)).join("/")
      return literal === "" ? [] : [{ agent: k.name, dir: `${home}/${literal}` }]
    }
    const dir = raw.startsWith("~/") ? `${home}/${raw.slice(2)}` : raw
    return [{ agent: k.name, dir }]
  })
