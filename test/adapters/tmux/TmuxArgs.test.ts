import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  attachArgv,
  chunkText,
  commandLine,
  escapeArg,
  escapeFormat,
  escapeStatus,
  newSessionProblem,
  paneTargetArg,
  pipeCommand,
  programArgv,
  sessionNameProblem,
  sessionTargetArg,
  shellQuote,
  socketProblem
} from "../../../adapters/tmux/TmuxArgs.ts"

const word = fc
  .oneof(
    fc.string({ unit: "binary", maxLength: 8 }),
    fc.constantFrom(";", "\\;", "a;", "a\\;", "a\\\\;", "", "-", "--", "#{pid}", "#(id)", "##", "%H", "'", "$(x)")
  )
  .map((s) => s.replaceAll("\0", ""))

/**
 * Model of tmux 3.3's cmd_parse_from_arguments: an argument ending in `;` ends the command (the
 * `;` dropped), unless it ends in `\;`, which becomes a literal `;`.
 */
const tmuxSplit = (argv: ReadonlyArray<string>): ReadonlyArray<ReadonlyArray<string>> => {
  const commands: Array<Array<string>> = []
  let current: Array<string> = []
  for (const raw of argv) {
    let arg = raw
    let end = false
    if (arg.endsWith(";")) {
      arg = arg.slice(0, -1)
      if (arg.endsWith("\\")) arg = `${arg.slice(0, -1)};`
      else end = true
    }
    if (!end || arg !== "") current.push(arg)
    if (end) {
      commands.push(current)
      current = []
    }
  }
  if (current.length > 0) commands.push(current)
  return commands
}

/** Model of tmux format expansion for text without `#{…}`: `##` is a literal `#`. */
const expandFormat = (s: string): string => s.replace(/##/g, "#")

/** Model of sh reading one word made only of single-quoted runs and `\'`. */
const readShellWord = (s: string): string => {
  let out = ""
  let i = 0
  while (i < s.length) {
    if (s[i] === "'") {
      const close = s.indexOf("'", i + 1)
      if (close < 0) throw new Error("unterminated quote")
      out += s.slice(i + 1, close)
      i = close + 1
    } else if (s[i] === "\\") {
      out += s[i + 1]
      i += 2
    } else throw new Error(`unquoted character ${JSON.stringify(s[i])}`)
  }
  return out
}

describe("tmux argv escaping", () => {
  it("commandLine survives tmux's parser: the same commands, every argument intact", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(word, { minLength: 1, maxLength: 5 }).map((c) => ["send-keys", ...c]),
          { minLength: 1, maxLength: 4 }
        ),
        (commands) => {
          expect(tmuxSplit(commandLine(commands))).toEqual(commands)
        }
      ),
      { numRuns: 500 }
    )
  })

  it("an escaped argument never ends a command", () => {
    fc.assert(
      fc.property(word, (w) => {
        expect(tmuxSplit(["cmd", escapeArg(w), "next"])).toEqual([["cmd", w, "next"]])
      })
    )
  })

  it("format escaping: expansion gives the text back and leaves no live #", () => {
    fc.assert(
      fc.property(word, (w) => {
        const escaped = escapeFormat(w)
        expect(expandFormat(escaped)).toBe(w)
        expect(escaped.replace(/##/g, "")).not.toContain("#")
        expect(escapeStatus(w).replace(/##|%%/g, "")).not.toMatch(/[#%]/)
      })
    )
  })

  it("shellQuote is one sh word that reads back as the original", () => {
    fc.assert(
      fc.property(word, (w) => {
        expect(readShellWord(shellQuote(w))).toBe(w)
      })
    )
  })

  it("the pipe command appends to the exact file (format-escaped, then one quoted word)", () => {
    const file = "/tmp/log 'q' $(touch pwned) #{pid};.txt"
    const cmd = expandFormat(pipeCommand(file))
    expect(cmd.startsWith("cat >> ")).toBe(true)
    expect(readShellWord(cmd.slice("cat >> ".length))).toBe(file)
  })

  it("a one-word argv is wrapped so tmux execs it instead of handing it to sh -c", () => {
    expect(programArgv(["claude"])).toEqual(["env", "--", "claude"])
    expect(programArgv(["/x y/$(z)"])).toEqual(["env", "--", "/x y/$(z)"])
    expect(programArgv(["node", "-e", "1"])).toEqual(["node", "-e", "1"])
  })

  it("chunks join back to the text and fit the byte budget without splitting a code point", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), fc.integer({ min: 4, max: 64 }), (text, max) => {
        const chunks = chunkText(text, max)
        expect(chunks.join("")).toBe(text)
        for (const c of chunks) {
          expect(c).not.toBe("")
          expect(Buffer.byteLength(c)).toBeLessThanOrEqual(max)
          expect(c).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/)
        }
      })
    )
  })
})

describe("names and targets", () => {
  it("regression: --socket . / .. / -x were accepted (tmux then failed 'Is a directory' or read an option); plain names pass", () => {
    for (const bad of ["", ".", "..", "-x", "--", "a/b", "x\0y"]) expect(socketProblem(bad)).toBeDefined()
    for (const ok of ["rekindle-test-1-abc", "fleet", "a.b", "_x", ".hidden", "my sock"])
      expect(socketProblem(ok)).toBeUndefined()
  })

  it("refuses names tmux would rewrite or misread, accepts hostile but stable ones", () => {
    for (const bad of ["", "a.b", "a:b", "a\\b", "a/b", "$x", "t\tn", "x\ny", "x\u001fy"]) {
      expect(sessionNameProblem(bad)).toBeDefined()
    }
    for (const ok of [
      "task-1",
      "a b",
      "-lead",
      "q'\"",
      "x$(y);",
      "semi;",
      "#{pid}",
      "ünï 😀",
      "%y",
      "@z",
      "a|b",
      "x$"
    ]) {
      expect(sessionNameProblem(ok)).toBeUndefined()
    }
  })

  it("targets are exact: =name, =name:, $id, %id — never a bare name", () => {
    expect(sessionTargetArg({ name: "task-1" })).toEqual({ arg: "=task-1" })
    expect(sessionTargetArg({ sessionId: "$12" })).toEqual({ arg: "$12" })
    expect(paneTargetArg({ session: "task-1" })).toEqual({ arg: "=task-1:" })
    expect(paneTargetArg({ paneId: "%7" })).toEqual({ arg: "%7" })
    expect(sessionTargetArg({ sessionId: "3" })).toHaveProperty("problem")
    expect(paneTargetArg({ paneId: "=x" })).toHaveProperty("problem")
    expect(paneTargetArg({ session: "a.b" })).toHaveProperty("problem")
  })

  it("newSession specs: argv, env names, tag, paths", () => {
    const ok = { name: "t", cwd: "/w", argv: ["a"] }
    expect(newSessionProblem(ok)).toBeUndefined()
    expect(newSessionProblem({ ...ok, argv: [] })).toBeDefined()
    expect(newSessionProblem({ ...ok, argv: [""] })).toBeDefined()
    expect(newSessionProblem({ ...ok, cwd: "w" })).toBeDefined()
    expect(newSessionProblem({ ...ok, env: { "1X": "v" } })).toBeDefined()
    expect(newSessionProblem({ ...ok, env: { X: "any 'value' $(x) #{pid};" } })).toBeUndefined()
    expect(newSessionProblem({ ...ok, taskTag: "b/t\n" })).toBeDefined()
    expect(newSessionProblem({ ...ok, logFile: "/l\nx" })).toBeDefined()
  })

  it("attach argv: attach-session outside tmux, switch-client inside; the socket only when set", () => {
    expect(attachArgv(undefined, { name: "t" }, false)).toEqual(["tmux", "-u", "attach-session", "-t", "=t"])
    expect(attachArgv("s", { name: "t;" }, true)).toEqual(["tmux", "-u", "-L", "s", "switch-client", "-t", "=t\\;"])
  })
})
