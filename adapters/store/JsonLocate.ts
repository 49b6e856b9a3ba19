/**
 * Pure helpers that say WHERE a state document is broken, for the `Corrupt` report: the byte offset
 * (and line/column) of the first byte that cannot be JSON, and the field path of the first Schema
 * issue. JSON.parse's own message counts UTF-16 units, omits positions for some errors and ignores
 * invalid UTF-8, so the offset comes from a small iterative JSON scanner over the raw bytes (no
 * recursion: a hostile file nested a million deep must not overflow the stack).
 */

/** Where and why the bytes stop being JSON. */
interface JsonSyntaxIssue {
  /** Offset of the first offending byte; equal to the length when the input ends too early. */
  readonly offset: number
  /** 1-based line and byte column of `offset`. */
  readonly line: number
  readonly column: number
  readonly message: string
}

const St = { Value: 0, ArrayStart: 1, KeyOrEnd: 2, Key: 3, Colon: 4, After: 5 } as const
type State = (typeof St)[keyof typeof St]

const isWs = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39
const isHex = (c: number | undefined) =>
  c !== undefined && (isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))

/** Failure inside a token: offset and message. */
type Fail = { readonly at: number; readonly why: string }
const END = "unexpected end of input"

/** Scan a string starting at the opening quote; returns the offset after the closing quote. */
const scanString = (b: Uint8Array, start: number): number | Fail => {
  let i = start + 1
  while (i < b.length) {
    const c = b[i]!
    if (c === 0x22) return i + 1
    if (c === 0x5c) {
      const e = b[i + 1]
      if (e === undefined) return { at: b.length, why: END }
      if (e === 0x75) {
        for (let k = 2; k < 6; k++) {
          if (i + k >= b.length) return { at: b.length, why: END }
          if (!isHex(b[i + k])) return { at: i + k, why: "bad \\u escape in string" }
        }
        i += 6
      } else if ([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74].includes(e)) i += 2
      else return { at: i + 1, why: "bad escape in string" }
    } else if (c < 0x20) {
      return { at: i, why: "control character in string" }
    } else if (c < 0x80) {
      i += 1
    } else {
      const n = utf8Length(b, i)
      if (typeof n !== "number") return n
      i += n
    }
  }
  return { at: b.length, why: END }
}

/** Length of the well-formed UTF-8 sequence at `i` (no overlongs, surrogates or > U+10FFFF). */
const utf8Length = (b: Uint8Array, i: number): number | Fail => {
  const c = b[i]!
  const [len, lo, hi] =
    c >= 0xc2 && c <= 0xdf
      ? [2, 0x80, 0xbf]
      : c === 0xe0
        ? [3, 0xa0, 0xbf]
        : c === 0xed
          ? [3, 0x80, 0x9f]
          : c >= 0xe1 && c <= 0xef
            ? [3, 0x80, 0xbf]
            : c === 0xf0
              ? [4, 0x90, 0xbf]
              : c === 0xf4
                ? [4, 0x80, 0x8f]
                : c >= 0xf1 && c <= 0xf3
                  ? [4, 0x80, 0xbf]
                  : [0, 0, 0]
  if (len === 0) return { at: i, why: "invalid UTF-8" }
  for (let k = 1; k < len; k++) {
    const d = b[i + k]
    if (d === undefined) return { at: b.length, why: END }
    if (k === 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf) return { at: i + k, why: "invalid UTF-8" }
  }
  return len
}

const scanNumber = (b: Uint8Array, start: number): number | Fail => {
  let i = start
  if (b[i] === 0x2d) i++
  const digits = (): number | Fail => {
    if (i >= b.length) return { at: i, why: END }
    if (!isDigit(b[i])) return { at: i, why: "expected a digit" }
    while (isDigit(b[i])) i++
    return i
  }
  if (b[i] === 0x30) i++
  else {
    const r = digits()
    if (typeof r !== "number") return r
  }
  if (b[i] === 0x2e) {
    i++
    const r = digits()
    if (typeof r !== "number") return r
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++
    if (b[i] === 0x2b || b[i] === 0x2d) i++
    const r = digits()
    if (typeof r !== "number") return r
  }
  return i
}

const scanLiteral = (b: Uint8Array, start: number, word: string): number | Fail => {
  for (let k = 0; k < word.length; k++) {
    if (start + k >= b.length) return { at: b.length, why: END }
    if (b[start + k] !== word.charCodeAt(k)) return { at: start + k, why: `invalid literal (expected ${word})` }
  }
  return start + word.length
}

const issue = (b: Uint8Array, f: Fail): JsonSyntaxIssue => {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < f.at && i < b.length; i++) {
    if (b[i] === 0x0a) {
      line++
      lineStart = i + 1
    }
  }
  return {
    offset: f.at,
    line,
    column: f.at - lineStart + 1,
    message: `${f.why} at byte ${f.at} (line ${line}, column ${f.at - lineStart + 1})`
  }
}

/** The first syntax error in `b` as one JSON document (UTF-8), or `undefined` when it is valid. */
export const locateJsonError = (b: Uint8Array): JsonSyntaxIssue | undefined => {
  const stack: Array<number> = []
  let state: State = St.Value
  let i = 0
  for (;;) {
    while (i < b.length && isWs(b[i]!)) i++
    if (i >= b.length) {
      return state === St.After && stack.length === 0 ? undefined : issue(b, { at: i, why: END })
    }
    const c = b[i]!
    let next: number | Fail
    if (state === St.Value || state === St.ArrayStart) {
      if (state === St.ArrayStart && c === 0x5d) {
        stack.pop()
        next = i + 1
      } else if (c === 0x7b || c === 0x5b) {
        stack.push(c)
        i++
        state = c === 0x7b ? St.KeyOrEnd : St.ArrayStart
        continue
      } else if (c === 0x22) next = scanString(b, i)
      else if (c === 0x2d || isDigit(c)) next = scanNumber(b, i)
      else if (c === 0x74) next = scanLiteral(b, i, "true")
      else if (c === 0x66) next = scanLiteral(b, i, "false")
      else if (c === 0x6e) next = scanLiteral(b, i, "null")
      else next = { at: i, why: "expected a JSON value" }
      state = St.After
    } else if (state === St.KeyOrEnd || state === St.Key) {
      if (c === 0x7d && state === St.KeyOrEnd) {
        stack.pop()
        next = i + 1
        state = St.After
      } else if (c === 0x22) {
        next = scanString(b, i)
        state = St.Colon
      } else next = { at: i, why: "expected a property name" }
    } else if (state === St.Colon) {
      next = c === 0x3a ? i + 1 : { at: i, why: "expected ':'" }
      state = St.Value
    } else {
      const top = stack[stack.length - 1]
      if (top === undefined) next = { at: i, why: "unexpected data after the JSON value" }
      else if (c === 0x2c) {
        next = i + 1
        state = top === 0x7b ? St.Key : St.Value
      } else if ((c === 0x7d && top === 0x7b) || (c === 0x5d && top === 0x5b)) {
        stack.pop()
        next = i + 1
      } else next = { at: i, why: top === 0x7b ? "expected ',' or '}'" : "expected ',' or ']'" }
    }
    if (typeof next !== "number") return issue(b, next)
    i = next
  }
}

/**
 * The first field path in a Schema issue message (`at ["tasks"][3]["status"]`), as `tasks[3].status`;
 * `undefined` when the message names none (the problem is the document itself).
 */
export const fieldPathOf = (message: string): string | undefined => {
  const m = /\bat ((?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])+)/.exec(message)
  if (m === null) return undefined
  let out = ""
  for (const [, key] of m[1]!.matchAll(/\[("(?:[^"\\]|\\.)*"|\d+)\]/g)) {
    if (key === undefined) continue
    if (!key.startsWith('"')) out += `[${key}]`
    else {
      const name = JSON.parse(key) as string
      out += /^[A-Za-z_$][\w$]*$/.test(name) ? `${out === "" ? "" : "."}${name}` : `[${key}]`
    }
  }
  return out
}
