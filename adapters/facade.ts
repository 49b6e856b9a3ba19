/**
 * `createRekindle`: the Promise facade (core/facade.ts) on the live machine — real tmux, git, /proc
 * and disk through adapters/node.ts, one layer per tmux socket. Like the CLI entry it is a
 * composition root, which is why it lives with the adapters and not in core.
 */
import * as nodeFs from "node:fs"
import * as nodePath from "node:path"
import { stateRoot } from "../core/domain/Layout.ts"
import {
  createRekindleWithLayer,
  RekindleError,
  timeoutProblem,
  type Rekindle,
  type RekindleOptions
} from "../core/facade.ts"
import * as Node from "./node.ts"
import { tmuxSocketProblem } from "../core/domain/SocketName.ts"

/** The real path of `dir` when it exists (the CLI records `git rev-parse --show-toplevel`, a real path). */
const realOrResolved = (dir: string): string => {
  const absolute = nodePath.resolve(dir)
  try {
    return nodeFs.realpathSync(absolute)
  } catch {
    return absolute
  }
}

/** The keys {@link RekindleOptions} has: any other is a mistake (`socket` for `tmuxSocket`), never ignored. */
const OPTION_KEYS: ReadonlyArray<keyof RekindleOptions> = ["repo", "stateDir", "tmuxSocket", "batchId", "timeoutMs"]

/**
 * A rekindle instance over the live machine. Throws a RekindleError (E_USAGE) at once for options it
 * cannot honour: an unknown option, no `repo`, an unusable tmux socket name, or a `stateDir` other than
 * `<repo>/.rekindle`.
 */
export const createRekindle = (options: RekindleOptions): Rekindle => {
  const unknown = Object.keys(options).filter((k) => !(OPTION_KEYS as ReadonlyArray<string>).includes(k))
  if (unknown.length > 0)
    throw new RekindleError(
      "E_USAGE",
      `createRekindle does not know the option(s) ${unknown.map((k) => JSON.stringify(k)).join(", ")}`,
      `its options are ${OPTION_KEYS.join(", ")}${unknown.includes("socket") ? " (the tmux socket is `tmuxSocket`)" : ""}`
    )
  const badTimeout = timeoutProblem(options.timeoutMs)
  if (badTimeout !== undefined) throw badTimeout
  if (typeof options.repo !== "string" || options.repo === "")
    throw new RekindleError("E_USAGE", "createRekindle needs `repo`: the repository's path", "pass { repo: <path> }")
  const repo = realOrResolved(options.repo)
  if (options.tmuxSocket !== undefined) {
    // The manifest's rule, so a name createRekindle accepts is one `rekindle run` would accept too.
    const problem = tmuxSocketProblem(options.tmuxSocket)
    if (problem !== undefined)
      throw new RekindleError(
        "E_USAGE",
        problem,
        "a tmux socket name (`tmux -L`) is a plain file name, as in a manifest"
      )
  }
  if (options.stateDir !== undefined && realOrResolved(nodePath.resolve(repo, options.stateDir)) !== stateRoot(repo)) {
    throw new RekindleError(
      "E_USAGE",
      `state directory ${options.stateDir} is not ${stateRoot(repo)}`,
      "rekindle keeps every batch under <repo>/.rekindle; omit stateDir"
    )
  }
  return createRekindleWithLayer({ ...options, repo }, (socket) => Node.layer(socket === undefined ? {} : { socket }))
}
