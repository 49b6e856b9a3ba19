/**
 * The ```ts blocks of a Markdown file as compilable modules, and tsc output mapped back to README
 * lines. Shared by test/docs/Readme.test.ts (against the sources) and Artifact.test.ts (against the
 * packed package).
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"

/** A ```ts block of the README: its code and the README line its first code line is on. */
export interface Block {
  readonly code: string
  readonly line: number
}

/** Every ```ts block of `markdown`. */
export const tsBlocks = (markdown: string): ReadonlyArray<Block> => {
  const blocks: Array<Block> = []
  const lines = markdown.split("\n")
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== "```ts") continue
    const start = i + 1
    let end = start
    while (end < lines.length && lines[end]!.trim() !== "```") end++
    blocks.push({ code: lines.slice(start, end).join("\n"), line: start + 1 })
    i = end
  }
  return blocks
}

/** Write the blocks as `readme-<n>.ts` modules into `dir`; their file names. */
export const writeBlocks = (dir: string, blocks: ReadonlyArray<Block>): ReadonlyArray<string> =>
  blocks.map((b, i) => {
    const file = `readme-${i + 1}.ts`
    fs.writeFileSync(nodePath.join(dir, file), `${b.code}\n`)
    return file
  })

/** tsc output with `readme-N.ts(L,C)` turned into the README line. */
export const toReadmeLines = (output: string, blocks: ReadonlyArray<Block>): string =>
  output.replace(/(?:\S*\/)?readme-(\d+)\.ts\((\d+),(\d+)\)/g, (_, n: string, l: string, c: string) =>
    `README.md:${blocks[Number(n) - 1]!.line + Number(l) - 1}:${c}`)
