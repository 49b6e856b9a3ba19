/**
 * Where an agent's executable is: a name is looked up in the PATH directories in order, as a shell
 * would (an empty entry, the current directory, is skipped: it would depend on where rekindle runs);
 * a name with a `/` is taken as a path. Only a regular file with an execute bit counts.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import type * as Path from "effect/Path"

const isExecutableFile = (fs: FileSystem.FileSystem, file: string): Effect.Effect<boolean> =>
  fs.stat(file).pipe(
    Effect.map((info) => info.type === "File" && (info.mode & 0o111) !== 0),
    Effect.orElseSucceed(() => false)
  )

/** The executable's path, or undefined when it is not found. */
export const findOnPath = Effect.fn("FindExecutable.findOnPath")(function* (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  name: string,
  pathVariable: string | undefined
) {
  if (name.includes("/")) return (yield* isExecutableFile(fs, name)) ? name : undefined
  for (const dir of (pathVariable ?? "").split(":")) {
    if (dir === "" || !path.isAbsolute(dir)) continue
    const candidate = path.join(dir, name)
    if (yield* isExecutableFile(fs, candidate)) return candidate
  }
  return undefined
})
