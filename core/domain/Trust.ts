/**
 * What recording an agent's folder trust does to its config document (the `trustRepository` policy,
 * docs/agents.md#first-run-screens), decided on the parsed JSON: nothing (already trusted), write ONE key, leave the
 * user's own different answer, or refuse (a value on the way is not an object). Reading and writing the file is the
 * adapter's (adapters/agent/AgentTrust.ts).
 */
import type { TrustRule, TrustValue } from "./AgentSpec.ts"

/** A parsed JSON object. */
type JsonObject = Record<string, unknown>

export const isJsonObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v)

/** The key path with `{repoRoot}` substituted (exact segments: a path with dots stays one segment). */
export const trustKey = (rule: TrustRule, repoRoot: string): ReadonlyArray<string> =>
  rule.key.map((k) => (k === "{repoRoot}" ? repoRoot : k))

/** The value a rule records (`true` unless it says otherwise). */
export const trustValue = (rule: TrustRule): TrustValue => (rule.value === undefined ? true : rule.value)

/** `projects["/repo"].hasTrustDialogAccepted`: how plans and docs show a key path. */
export const showKey = (key: ReadonlyArray<string>): string =>
  key
    .map((k, i) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${i === 0 ? "" : "."}${k}` : `[${JSON.stringify(k)}]`))
    .join("")

/** The value at `key`, if every segment on the way is an object holding the next one. */
const valueAt = (
  doc: JsonObject,
  key: ReadonlyArray<string>
): { readonly found: boolean; readonly value?: unknown } => {
  let at: unknown = doc
  for (const k of key) {
    if (!isJsonObject(at) || !Object.hasOwn(at, k)) return { found: false }
    at = at[k]
  }
  return { found: true, value: at }
}

/** Whether `doc` already holds one of `trusted` (default: `true`) at `key`. */
export const hasTrust = (
  doc: JsonObject,
  key: ReadonlyArray<string>,
  trusted: ReadonlyArray<TrustValue> = [true]
): boolean => {
  const at = valueAt(doc, key)
  return at.found && trusted.some((v) => v === at.value)
}

/** `doc` with `value` at `key`, every other key kept; undefined when a segment on the way is not an object. */
export const withTrust = (
  doc: JsonObject,
  key: ReadonlyArray<string>,
  value: TrustValue = true
): JsonObject | undefined => {
  const [head, ...rest] = key
  if (head === undefined) return undefined
  if (rest.length === 0) return { ...doc, [head]: value }
  const child = Object.hasOwn(doc, head) ? doc[head] : {}
  if (!isJsonObject(child)) return undefined
  const next = withTrust(child, rest, value)
  return next === undefined ? undefined : { ...doc, [head]: next }
}

/** What to do with the document. */
type TrustStep =
  /** The key already holds the rule's value or one the agent also reads as trust: nothing to write. */
  | { readonly _tag: "Trusted" }
  /** The key holds another value, the user's own answer (`keepOtherValues`): left as it is. */
  | { readonly _tag: "Kept"; readonly found: unknown }
  /** The document to write. */
  | { readonly _tag: "Write"; readonly doc: JsonObject }
  /** A value on the way to the key is not an object: nothing can be written without replacing it. */
  | { readonly _tag: "Blocked" }

/** Decide how to record `rule`'s trust for `repoRoot` in `doc`. */
export const decideTrust = (doc: JsonObject, rule: TrustRule, repoRoot: string): TrustStep => {
  const key = trustKey(rule, repoRoot)
  const value = trustValue(rule)
  if (hasTrust(doc, key, [value, ...(rule.alsoTrusted ?? [])])) return { _tag: "Trusted" }
  const at = valueAt(doc, key)
  if (at.found && rule.keepOtherValues === true) return { _tag: "Kept", found: at.value }
  const next = withTrust(doc, key, value)
  return next === undefined ? { _tag: "Blocked" } : { _tag: "Write", doc: next }
}
