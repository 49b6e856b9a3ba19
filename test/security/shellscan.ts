/**
 * Finds source that hands data to a shell (DESIGN §5.7: "No shell is ever invoked with data"): a
 * `shell: true` spawn option, a shell program spawned with `-c`, a `sh -c`/`bash -c` command line in
 * a string, a shell spawned by name, and node:child_process `exec`/`execSync` (which always run their
 * string through `/bin/sh`). Comments are ignored (they may explain why a shell is avoided); the
 * repo's own argv-only `exec` from adapters/exec/Exec.ts is not child_process's.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"

/** One finding: file, 1-based line, the rule and the offending text. */
export interface Violation {
  readonly file: string
  readonly line: number
  readonly rule: string
  readonly text: string
}

const SHELLS = "(?:/bin/|/usr/bin/)?(?:sh|bash|zsh|dash|ksh|fish)"
const Q = "[\"'`]"

/** The rules, each a regex over comment-free source. */
const RULES: ReadonlyArray<{ readonly rule: string; readonly re: RegExp }> = [
  { rule: "spawn option shell", re: /\bshell\s*:\s*(?:true|["'`][^"'`]*["'`])/g },
  { rule: "shell program with -c", re: new RegExp(`${Q}${SHELLS}${Q}\\s*,\\s*\\[\\s*${Q}-[a-z]*c${Q}`, "g") },
  { rule: "shell -c command line", re: new RegExp(`${Q}${SHELLS}\\s+-[a-z]*c\\b`, "g") },
  {
    rule: "shell spawned by name",
    re: new RegExp(`\\b(?:spawn|spawnSync|execFile|execFileSync|fork)\\s*\\(\\s*${Q}${SHELLS}${Q}`, "g")
  },
  { rule: "child_process exec (runs /bin/sh)", re: /\b(?:child_process|cp|childProcess)\s*\.\s*exec(?:Sync)?\s*\(/g }
]

/** Names imported from node:child_process (`exec`, `execSync as run`, …), so their calls can be flagged. */
const childProcessImports = (src: string): ReadonlyArray<string> => {
  const names: Array<string> = []
  for (const m of src.matchAll(/import\s*\{([^}]*)\}\s*from\s*["'](?:node:)?child_process["']/g)) {
    for (const part of m[1]!.split(",")) {
      const [orig, alias] = part.trim().split(/\s+as\s+/)
      if (orig === "exec" || orig === "execSync") names.push((alias ?? orig).trim())
    }
  }
  for (const m of src.matchAll(
    /(?:const|let)\s*\{([^}]*)\}\s*=\s*(?:await\s+import|require)\(\s*["'](?:node:)?child_process["']\s*\)/g
  )) {
    for (const part of m[1]!.split(",")) {
      const [orig, alias] = part.trim().split(/\s*:\s*/)
      if (orig === "exec" || orig === "execSync") names.push((alias ?? orig).trim())
    }
  }
  return names
}

/** Blank out comments (keeping line breaks, so line numbers stay right). */
export const stripComments = (src: string): string =>
  src
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
    .replace(/(^|[\s;{}(),])\/\/[^\n]*/g, (c, lead: string) => lead + " ".repeat(c.length - lead.length))

/** Violations in one file's text. */
export const scanSource = (file: string, src: string): ReadonlyArray<Violation> => {
  const code = stripComments(src)
  const out: Array<Violation> = []
  const lineOf = (i: number) => code.slice(0, i).split("\n").length
  const rules = [...RULES]
  for (const name of childProcessImports(code)) {
    rules.push({
      rule: `child_process ${name}() (runs /bin/sh)`,
      re: new RegExp(`(?<![.\\w])${name.replace(/\$/g, "\\$")}\\s*\\(`, "g")
    })
  }
  for (const { rule, re } of rules) {
    for (const m of code.matchAll(re)) out.push({ file, line: lineOf(m.index), rule, text: m[0] })
  }
  return out
}

/** Source files (.ts, .js, .mjs, .cjs) under `roots`, node_modules and dist skipped. */
export const sourceFiles = (roots: ReadonlyArray<string>): ReadonlyArray<string> => {
  const out: Array<string> = []
  const walk = (p: string) => {
    const st = fs.statSync(p, { throwIfNoEntry: false })
    if (st === undefined) return
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p).sort())
        if (name !== "node_modules" && name !== "dist") walk(nodePath.join(p, name))
    } else if (/\.(?:ts|js|mjs|cjs)$/.test(p)) out.push(p)
  }
  for (const r of roots) walk(r)
  return out
}

/** The directories the rule covers. */
export const SCANNED = ["core", "adapters", "cli", "bin", "test", "scripts", "exports"]

/** Scan the project at `root`; `skip` lists files (relative) that hold the rules themselves. */
export const scanProject = (
  root: string,
  skip: ReadonlyArray<string> = []
): { readonly files: number; readonly violations: ReadonlyArray<Violation> } => {
  const files = sourceFiles(SCANNED.map((d) => nodePath.join(root, d))).filter(
    (f) => !skip.includes(nodePath.relative(root, f))
  )
  return {
    files: files.length,
    violations: files.flatMap((f) => scanSource(nodePath.relative(root, f), fs.readFileSync(f, "utf8")))
  }
}

/**
 * A source file that spawns a shell with data on its line 3, to show the scan finds a planted
 * violation. Assembled from pieces so that this module does not match its own rules.
 */
export const PLANTED_VIOLATION: string = (() => {
  const sh = ["s", "h"].join("")
  return `import { spawn } from "node:child_process"\n\nexport const bad = (f: string) => spawn("${sh}", ["-c", \`cat \${f}\`])\n`
})()
