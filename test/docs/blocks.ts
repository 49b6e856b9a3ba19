/**
 * The ```ts blocks of the documentation (README.md and docs/*.md) as compilable modules, and tsc
 * output mapped back to `<file>:<line>`. Shared by test/docs/CodeBlocks.test.ts (against the sources)
 * and test/package/Artifact.test.ts (against the packed package).
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"

/** A ```ts block: the Markdown file it is in (relative to the repo), its code, and the line its first code line is on. */
export interface Block {
  readonly file: string
  readonly code: string
  readonly line: number
}

/** The documentation files whose ts blocks must compile: README.md, then docs/*.md by name. */
export const docFiles = (root: string): ReadonlyArray<string> => {
  const docs = nodePath.join(root, "docs")
  const pages = fs.existsSync(docs)
    ? fs
        .readdirSync(docs)
        .filter((f) => f.endsWith(".md"))
        .sort()
        .map((f) => `docs/${f}`)
    : []
  return ["README.md", ...pages]
}

/** Every ```ts block of `markdown`, attributed to `file`. */
export const tsBlocks = (markdown: string, file = "README.md"): ReadonlyArray<Block> => {
  const blocks: Array<Block> = []
  const lines = markdown.split("\n")
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== "```ts") continue
    const start = i + 1
    let end = start
    while (end < lines.length && lines[end]!.trim() !== "```") end++
    blocks.push({ file, code: lines.slice(start, end).join("\n"), line: start + 1 })
    i = end
  }
  return blocks
}

/** Every ```ts block of README.md and docs/*.md under `root`, in {@link docFiles} order. */
export const docBlocks = (root: string): ReadonlyArray<Block> =>
  docFiles(root).flatMap((f) => tsBlocks(fs.readFileSync(nodePath.join(root, f), "utf8"), f))

/** Write the blocks as `docblock-<n>.ts` modules into `dir`; their file names. */
export const writeBlocks = (dir: string, blocks: ReadonlyArray<Block>): ReadonlyArray<string> =>
  blocks.map((b, i) => {
    const file = `docblock-${i + 1}.ts`
    fs.writeFileSync(nodePath.join(dir, file), `${b.code}\n`)
    return file
  })

/** tsc output with `docblock-N.ts(L,C)` turned into the Markdown file and line, e.g. `docs/embedding.md:42:7`. */
export const toDocLines = (output: string, blocks: ReadonlyArray<Block>): string =>
  output.replace(/(?:\S*\/)?docblock-(\d+)\.ts\((\d+),(\d+)\)/g, (_, n: string, l: string, c: string) => {
    const b = blocks[Number(n) - 1]!
    return `${b.file}:${b.line + Number(l) - 1}:${c}`
  })
