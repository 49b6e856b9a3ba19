/**
 * Reliability campaign, hostile input (issue 8, "Hostile input"): every security check of
 * test/security/ run at a scale and counted, never thrown. Hostile strings in every manifest field
 * (Schema and the real `rekindle run`), hostile prompts and argv through real tmux and the fake agent
 * (and the file modes that batch leaves), exact tmux targets, fuzzed manifests (decoder and the
 * plans accepted ones lead to), state paths escaping the repo, a pid reused by an unrelated process,
 * and the no-shell source scan. Every tmux server (private `rekindle-test-*` sockets), temp dir and
 * child process a check creates is removed by that check in a `finally`.
 */
import fc from "fast-check"
import * as Result from "effect/Result"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { validateManifest } from "../../core/domain/Manifest.ts"
import { crashedBatch } from "../../test/support/real/cli.ts"
import { HostileRepo } from "../../test/security/cli.ts"
import { DELIVERABLE, deliverHostile } from "../../test/security/delivery.ts"
import { foreignProcess, FOREIGN_COMMANDS } from "../../test/security/foreign.ts"
import { decodeOutcome, DISTURBANCES, planEscapes } from "../../test/security/fuzz.ts"
import {
  acceptedManifest,
  anyJson,
  CLASSES,
  expected,
  FIELDS,
  fieldPath,
  HOSTILE,
  plant,
  structuredManifest,
  type Field
} from "../../test/security/inputs.ts"
import { withUmask } from "../../test/security/modes.ts"
import { PLANTED_VIOLATION, scanProject } from "../../test/security/shellscan.ts"
import { exactTargets } from "../../test/security/targets.ts"
import { ACTING, applyEscape, ESCAPES, runActing, type EscapeCase } from "../../test/security/unsafe.ts"
import type { Campaign, Row, Scale } from "./Report.ts"

const GROUP = "hostile input"
const ROOT = nodePath.resolve(import.meta.dirname, "../..")

/** Sizes per scale. */
const SIZES = {
  slice: {
    cliPerField: 0,
    cliPicks: 3,
    delivery: 6,
    decode: 400,
    plans: 50,
    escapes: ["dotdot", "symlink"] as ReadonlyArray<EscapeCase>,
    escapeCommands: 2
  },
  quick: { cliPerField: 1, cliPicks: 0, delivery: 16, decode: 1000, plans: 150, escapes: ESCAPES, escapeCommands: 3 },
  full: {
    cliPerField: 2,
    cliPicks: 0,
    delivery: DELIVERABLE.length,
    decode: 4000,
    plans: 400,
    escapes: ESCAPES,
    escapeCommands: 4
  }
} as const

/** The classes delivered first (the brief's list), then the rest. */
const DELIVERY_ORDER = [
  "subshell",
  "backtick",
  "semicolon",
  "tmuxFormat",
  "tmuxCommand",
  "newline",
  "doubleQuote",
  "dash",
  ...DELIVERABLE.filter(
    (c) =>
      !["subshell", "backtick", "semicolon", "tmuxFormat", "tmuxCommand", "newline", "doubleQuote", "dash"].includes(c)
  )
]

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 160)

/** A row builder: counts start at 0, the first problem becomes the outcome's tail. */
const tally = (names: ReadonlyArray<string>) => {
  const counts: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]))
  let first: string | undefined
  return {
    counts,
    add: (name: string, n = 1, why?: string) => {
      counts[name] = (counts[name] ?? 0) + n
      if (why !== undefined && n > 0) first ??= why
    },
    row: (kase: string, runs: number, bad: ReadonlyArray<string>, outcome: string): Row => ({
      group: GROUP,
      case: kase,
      runs,
      counts,
      bad,
      outcome: first === undefined ? outcome : `${outcome}; first problem: ${first}`
    })
  }
}

/** Run `fn` over `items`, `width` at a time. */
const pool = async <A, B>(
  items: ReadonlyArray<A>,
  width: number,
  fn: (a: A, lane: number) => Promise<B>
): Promise<Array<B>> => {
  const out: Array<B> = []
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async (_, lane) => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i]!, lane)
      }
    })
  )
  return out
}

const naming = (problems: ReadonlyArray<string>, field: Field) =>
  problems.find(
    (p) => (p.endsWith(` at ${fieldPath[field]}`) || p.includes(` at ${fieldPath[field]}[`)) && p.indexOf(" at [") >= 8
  )

/** Every class in every field, decoded in process. */
const schemaRow = (): Row => {
  const t = tally([
    "inputs",
    "rejectedClearly",
    "handledExactly",
    "unclearRejections",
    "wrongAccepts",
    "overRejected",
    "crashes"
  ])
  for (const field of FIELDS) {
    for (const c of CLASSES) {
      t.add("inputs")
      try {
        const r = validateManifest(plant(field, HOSTILE[c]!))
        const want = expected(field, HOSTILE[c]!)
        if (Result.isFailure(r)) {
          if (want === "accept") t.add("overRejected", 1, `${field}/${c}: ${r.failure.join("; ")}`)
          else if (naming(r.failure, field) !== undefined) t.add("rejectedClearly")
          else t.add("unclearRejections", 1, `${field}/${c}: ${r.failure.join("; ")}`)
        } else if (want === "reject") t.add("wrongAccepts", 1, `${field}/${c}`)
        else t.add("handledExactly")
      } catch (e) {
        t.add("crashes", 1, `${field}/${c}: ${message(e)}`)
      }
    }
  }
  return t.row(
    "every hostile class in every manifest field (Schema)",
    t.counts["inputs"]!,
    ["unclearRejections", "wrongAccepts", "overRejected", "crashes"],
    "E_INVALID_MANIFEST names the field and why, or the value is kept verbatim"
  )
}

/** The (field, class) pairs the real CLI runs at `scale`: rejections only (acceptance runs a batch). */
const cliPicks = (scale: Scale): ReadonlyArray<readonly [Field, string]> => {
  const size = SIZES[scale]
  const rejected = (f: Field) => CLASSES.filter((c) => expected(f, HOSTILE[c]!) === "reject")
  if (size.cliPicks > 0)
    return (
      [
        ["taskId", "subshell"],
        ["batchId", "dotdotPath"],
        ["prompt", "nul"],
        ["socket", "dotdot"]
      ] as const
    ).slice(0, size.cliPicks)
  return FIELDS.flatMap((f, i) => {
    const cs = rejected(f)
    return cs.length === 0
      ? []
      : Array.from(
          { length: Math.min(size.cliPerField, cs.length) },
          (_, k) => [f, cs[(i * 7 + k * 13) % cs.length]!] as const
        )
  })
}

/** `rekindle run <manifest>` with a hostile field, as a user runs it. */
const cliRow = async (scale: Scale): Promise<Row> => {
  const t = tally(["inputs", "rejectedClearly", "unclearRejections", "leftovers", "injections", "crashes", "errors"])
  const picks = cliPicks(scale)
  const repos = [new HostileRepo(), new HostileRepo()]
  try {
    await pool(picks, 2, async ([field, c], lane) => {
      const repo = repos[lane]!
      t.add("inputs")
      try {
        const r = await repo.run(plant(field, repo.arm(HOSTILE[c]!), repo.socket))
        const where = `${field}/${c}`
        if (r.errorCode === undefined || r.stderr !== "")
          t.add("crashes", 1, `${where}: exit ${r.exitCode} ${r.stderr.slice(0, 120)}`)
        else if (r.exitCode === 1 && r.errorCode === "E_INVALID_MANIFEST" && naming(r.problems, field) !== undefined)
          t.add("rejectedClearly")
        else t.add("unclearRejections", 1, `${where}: ${r.errorCode} ${r.problems.join("; ")}`)
        if (r.changed.length > 0 || r.sessions.length > 0)
          t.add("leftovers", 1, `${where}: ${[...r.changed, ...r.sessions].slice(0, 3).join(", ")}`)
        if (r.pwned) t.add("injections", 1, `${where}: the injected command ran`)
      } catch (e) {
        t.add("errors", 1, message(e))
      }
    })
  } finally {
    for (const r of repos) r.cleanup()
  }
  return t.row(
    "rekindle run <hostile manifest> (real CLI)",
    picks.length,
    ["unclearRejections", "leftovers", "injections", "crashes", "errors"],
    "E_INVALID_MANIFEST exit 1; no file, branch, worktree or tmux server created"
  )
}

/** Hostile prompts and argv through a real batch; the modes it leaves under umask 022. */
const deliveryRows = async (scale: Scale): Promise<ReadonlyArray<Row>> => {
  const d = tally(["inputs", "handledExactly", "mismatches", "injections", "statusFailed", "errors"])
  const m = tally(["checked", "wrongMode", "errors"])
  const classes = DELIVERY_ORDER.slice(0, SIZES[scale].delivery)
  try {
    const r = await withUmask(0o022, () => deliverHostile(classes))
    d.add("inputs", r.inputs)
    d.add("handledExactly", r.exact)
    d.add(
      "mismatches",
      r.mismatches.length,
      r.mismatches[0] ?? (r.phase === "completed" ? undefined : `batch ${r.phase}`)
    )
    d.add("injections", (r.pwned ? 1 : 0) + r.strangers.length, r.pwned ? "an injected command ran" : r.strangers[0])
    d.add("statusFailed", r.statusProblem === undefined ? 0 : 1, r.statusProblem)
    m.add("checked", r.modes.checked)
    m.add("wrongMode", r.modes.wrong.length, r.modes.wrong[0])
  } catch (e) {
    d.add("errors", 1, message(e))
    m.add("errors", 1, message(e))
  }
  return [
    d.row(
      "hostile prompts and argv through real tmux + the fake agent (tasks __proto__, constructor, toString, …)",
      classes.length,
      ["mismatches", "injections", "statusFailed", "errors"],
      "every program got its prompt and argv byte for byte; nothing injected ran; status lists every task"
    ),
    m.row(
      "file modes under .rekindle after that batch (umask 022)",
      m.counts["checked"]!,
      ["wrongMode", "errors"],
      "state, journal, lease, logs, markers 0600; directories 0700"
    )
  ]
}

/** Exact targets on a real private tmux server. */
const targetsRow = async (): Promise<Row> => {
  const t = tally(["ops", "refusedNotFound", "wrongSessionTouched", "optionInjected", "errors"])
  try {
    const r = await exactTargets()
    t.add("ops", r.ops)
    t.add("refusedNotFound", r.refused)
    t.add("wrongSessionTouched", r.wrongTouched.length, r.wrongTouched[0])
    t.add("optionInjected", r.optionInjected.length, r.optionInjected[0])
  } catch (e) {
    t.add("errors", 1, message(e))
  }
  return t.row(
    "exact tmux targets: prefix names (a / ab, rk-hx / rk-hx-…), -t, --, -X",
    t.counts["ops"]!,
    ["wrongSessionTouched", "optionInjected", "errors"],
    "a missing name is NotFound; only the named session is touched"
  )
}

/** The decoder on arbitrary JSON and hostile structured manifests. */
const decodeRow = (scale: Scale): Row => {
  const t = tally(["inputs", "accepted", "rejected", "crashes"])
  for (const input of fc.sample(fc.oneof(anyJson, structuredManifest), SIZES[scale].decode)) {
    t.add("inputs")
    const r = decodeOutcome(input)
    if (r.crash !== undefined) t.add("crashes", 1, r.crash)
    else t.add(r.accepted ? "accepted" : "rejected")
  }
  return t.row(
    "fuzzed manifests: decoder (any JSON, hostile structured)",
    t.counts["inputs"]!,
    ["crashes"],
    "validateManifest and the Schema decode never throw"
  )
}

/** Accepted manifests' state and plans on the FakeWorld. */
const planRow = async (scale: Scale): Promise<Row> => {
  const t = tally(["manifests", "stepsChecked", "escapes", "markerIgnored", "errors"])
  const samples = fc.sample(acceptedManifest, SIZES[scale].plans)
  for (const [i, m] of samples.entries()) {
    t.add("manifests")
    try {
      const r = await planEscapes(m, DISTURBANCES[i % DISTURBANCES.length]!)
      t.add("stepsChecked", r.steps.length)
      t.add("escapes", r.escapes.length, r.escapes[0])
      if (r.markedAs !== undefined && r.markedAs !== "mark-complete")
        t.add("markerIgnored", 1, `a done marker planned as ${r.markedAs}: ${JSON.stringify(m).slice(0, 120)}`)
      if (r.error !== undefined) t.add("errors", 1, r.error)
    } catch (e) {
      t.add("errors", 1, message(e))
    }
  }
  return t.row(
    "fuzzed accepted manifests: state and plan paths (FakeWorld)",
    samples.length,
    ["escapes", "markerIgnored", "errors"],
    "worktrees only under .rekindle/worktrees/<batch>/, logs and markers under .rekindle/, own sessions and branches; markers seen"
  )
}

/** State paths escaping the repo, on a real crashed batch. */
const escapesRow = async (scale: Scale): Promise<Row> => {
  const t = tally(["commands", "refusedUnsafePath", "wrongCode", "changed", "errors"])
  const commands = ACTING.slice(0, SIZES[scale].escapeCommands)
  const kase = `state paths escaping the repo (${SIZES[scale].escapes.join(", ")})`
  const bad = ["wrongCode", "changed", "errors"]
  const outcome = "E_UNSAFE_PATH before any action; state, journal, lease, sessions, git and the outside dir untouched"
  const b = await crashedBatch([{ id: "a" }, { id: "b" }]).catch((e: unknown) => {
    t.add("errors", 1, `crashed batch: ${message(e)}`)
    return undefined
  })
  if (b === undefined) return t.row(kase, 0, bad, outcome)
  try {
    const outside = nodePath.join(b.dir, "outside")
    fs.mkdirSync(outside)
    for (const c of SIZES[scale].escapes) {
      let undo: (() => void) | undefined
      try {
        undo = applyEscape(b, c, outside)
        const r = await runActing(b, outside, commands)
        for (const o of r.outcomes) {
          t.add("commands")
          if (o.errorCode === "E_UNSAFE_PATH") t.add("refusedUnsafePath")
          else t.add("wrongCode", 1, `${c} / ${o.command}: ${o.errorCode ?? "ran"} ${o.message.slice(0, 100)}`)
        }
        t.add("changed", r.changed.length, `${c}: ${r.changed.join(", ")}`)
      } catch (e) {
        t.add("errors", 1, `${c}: ${message(e)}`)
      } finally {
        undo?.()
      }
    }
  } finally {
    b.cleanup()
  }
  return t.row(kase, t.counts["commands"]!, bad, outcome)
}

/** A recorded pid reused by an unrelated process. */
const foreignRow = async (): Promise<Row> => {
  const t = tally(["commands", "foreignKilled", "userSessionKilled", "failed", "errors"])
  try {
    const r = await foreignProcess(FOREIGN_COMMANDS)
    t.add("commands", r.commands)
    t.add("foreignKilled", r.foreignKilled.length, r.foreignKilled[0])
    t.add("userSessionKilled", r.userSessionKilled.length, r.userSessionKilled[0])
    t.add("failed", r.failed.length, r.failed[0])
  } catch (e) {
    t.add("errors", 1, message(e))
  }
  return t.row(
    "pid reused by an unrelated process (repair, abort --hard, resume --force)",
    t.counts["commands"]!,
    ["foreignKilled", "userSessionKilled", "failed", "errors"],
    "the unrelated process and the user's rk-e2e session stay alive"
  )
}

/** The source scan, with a planted violation it must find. */
const scanRow = (): Row => {
  const t = tally(["files", "violations", "plantMissed", "errors"])
  const plantFile = nodePath.join(ROOT, "test/security", `planted-${process.pid}-${Date.now()}.ts`)
  try {
    const clean = scanProject(ROOT, ["test/security/ShellScan.test.ts"])
    t.add("files", clean.files)
    t.add("violations", clean.violations.length, clean.violations.map((v) => `${v.file}:${v.line} ${v.rule}`)[0])
    fs.writeFileSync(plantFile, PLANTED_VIOLATION)
    const found = scanProject(ROOT, ["test/security/ShellScan.test.ts"]).violations.filter(
      (v) => v.file === nodePath.relative(ROOT, plantFile)
    )
    if (found.length === 0) t.add("plantMissed", 1, "the planted shell spawn was not found")
  } catch (e) {
    t.add("errors", 1, message(e))
  } finally {
    fs.rmSync(plantFile, { force: true })
  }
  return t.row(
    "source scan: a shell spawned with data (core, adapters, cli, bin, test, exports)",
    t.counts["files"]!,
    ["violations", "plantMissed", "errors"],
    "no shell option, shell program with -c, shell by name or child_process exec; a planted one is found"
  )
}

/**
 * The hostile-input campaign. The real-machine rows run in two lanes (their own repos, sockets and
 * processes, so they cannot see each other), the in-process rows while both lanes wait on children;
 * the rows come back in a fixed order.
 */
export const campaign: Campaign = {
  name: "hostile input",
  run: async (scale) => {
    const laneA = (async () => [await cliRow(scale), await escapesRow(scale)] as const)()
    const laneB = (async () => [await deliveryRows(scale), await targetsRow(), await foreignRow()] as const)()
    const schema = schemaRow()
    const decode = decodeRow(scale)
    const plans = await planRow(scale)
    const scan = scanRow()
    const [cli, escapes] = await laneA
    const [delivery, targets, foreign] = await laneB
    return [schema, cli, ...delivery, targets, decode, plans, escapes, foreign, scan]
  }
}
