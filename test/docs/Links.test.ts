/**
 * The documentation's links lead somewhere: every relative link in README.md, AGENTS.md and
 * docs/*.md names a file or folder that exists inside the repository, and a `#anchor` names a heading
 * of the target page (GitHub's heading ids). The README's layout map links every folder of core/ and
 * adapters/, so a new folder cannot go unmapped.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { describe, expect, it } from "vitest"

const ROOT = nodePath.resolve(import.meta.dirname, "../..")

const pages = [
  "README.md",
  ...["AGENTS.md", "CONTRIBUTING.md"].filter((f) => fs.existsSync(nodePath.join(ROOT, f))),
  ...fs
    .readdirSync(nodePath.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`)
]

const read = (page: string): string => fs.readFileSync(nodePath.join(ROOT, page), "utf8")

/** The page's lines outside fenced code blocks, with inline code spans blanked. */
const prose = (markdown: string): ReadonlyArray<{ readonly text: string; readonly line: number }> => {
  const out: Array<{ text: string; line: number }> = []
  let fenced = false
  for (const [i, raw] of markdown.split("\n").entries()) {
    if (/^\s*```/.test(raw)) {
      fenced = !fenced
      continue
    }
    if (!fenced) out.push({ text: raw.replace(/`[^`]*`/g, (m) => " ".repeat(m.length)), line: i + 1 })
  }
  return out
}

/** Every inline link target `[text](target)` of a page, with its line. */
const linksOf = (markdown: string): ReadonlyArray<{ readonly target: string; readonly line: number }> =>
  prose(markdown).flatMap(({ text, line }) =>
    [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => ({ target: m[1]!, line }))
  )

/** GitHub's id for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
const anchorsOf = (markdown: string): ReadonlySet<string> => {
  const seen = new Map<string, number>()
  const ids = new Set<string>()
  let fenced = false
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced
    const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (m === null) continue
    const text = m[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/`/g, "")
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-")
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    ids.add(n === 0 ? base : `${base}-${n}`)
  }
  return ids
}

const external = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target)

describe("documentation links", () => {
  it("there are pages to check, and each has links", () => {
    expect(pages).toEqual(expect.arrayContaining(["README.md", "AGENTS.md", "docs/cli.md", "docs/architecture.md"]))
    for (const page of pages) expect(linksOf(read(page)).length, page).toBeGreaterThan(0)
  })

  it("every relative link names an existing file or folder inside the repo, and its #anchor a heading there", () => {
    const broken: Array<string> = []
    for (const page of pages) {
      for (const { target, line } of linksOf(read(page))) {
        if (external(target)) continue
        const [pathPart = "", anchor] = target.split("#", 2)
        const resolved =
          pathPart === ""
            ? nodePath.join(ROOT, page)
            : nodePath.resolve(nodePath.dirname(nodePath.join(ROOT, page)), decodeURIComponent(pathPart))
        const where = `${page}:${line} → ${target}`
        if (resolved !== ROOT && !resolved.startsWith(`${ROOT}${nodePath.sep}`))
          broken.push(`${where} (outside the repository)`)
        else if (!fs.existsSync(resolved)) broken.push(`${where} (no such file or folder)`)
        else if (
          anchor !== undefined &&
          anchor !== "" &&
          resolved.endsWith(".md") &&
          !anchorsOf(fs.readFileSync(resolved, "utf8")).has(anchor)
        ) {
          broken.push(`${where} (no heading with that id)`)
        }
      }
    }
    expect(broken).toEqual([])
  })

  it("the README's layout map links every folder of core/ and adapters/, and the other top-level folders", () => {
    const linked = new Set(linksOf(read("README.md")).map((l) => l.target.split("#")[0]!.replace(/\/$/, "")))
    const folders = (dir: string) =>
      fs
        .readdirSync(nodePath.join(ROOT, dir), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => `${dir}/${d.name}`)
    const expected = [
      ...folders("core"),
      "core/facade.ts",
      "exports",
      "adapters",
      ...folders("adapters"),
      "cli",
      "test",
      "test/blackbox",
      "docs",
      "AGENTS.md"
    ]
    expect(expected.filter((f) => !linked.has(f))).toEqual([])
  })
})
