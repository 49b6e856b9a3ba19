/**
 * A torn journal tail on the real disk: `events.jsonl` holds N complete events and then the first
 * bytes of the next line (cut at 1, half and length-1 bytes: the process died mid-append). Reading
 * it — through the Journal port and through the engine's dangling-intent scan that resume runs —
 * must ignore the fragment (every complete event kept, the torn intent not taken for work to
 * re-check) and report it (`tornTail`); the next append lands on a line of its own, after which the
 * fragment is reported as one skipped line. (Cut at length-1, only the newline is missing: the
 * line decodes whole and is read as its event, still reported as a torn tail.) Counts: `torn` fragments planted, `reported` reads
 * that said so (must be equal), `lost` complete events that did not come back.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Path from "effect/Path"
import * as fs from "node:fs"
import type { JournalEvent } from "../../../core/ports/Journal.ts"
import { Journal } from "../../../core/ports/Journal.ts"
import { danglingIntents } from "../../../core/engine/apply/DanglingIntents.ts"
import { encodeLine } from "../../../adapters/store/JournalCodec.ts"
import * as StoreLayers from "../../../adapters/store/StoreLayers.ts"
import type { Row, Scale } from "../Report.ts"
import { realWorld } from "../../../test/adapters/store/harness.ts"
import { judge, Tally } from "./Tally.ts"

const ev = (i: number, phase: JournalEvent["phase"]): JournalEvent => ({
  at: 1_000 + i,
  key: `b1:step:${i}`,
  phase,
  kind: "relaunch",
  data: { n: i, text: 'ünïcödé "quoted"' }
})

/** Run `effect` with a fresh journal service (a new process) over `fs`. */
const withJournal = <A, E>(fsys: FileSystem.FileSystem, effect: Effect.Effect<A, E, Journal>) =>
  Effect.runPromise(
    Effect.exit(
      effect.pipe(
        Effect.provide(
          StoreLayers.layerFs().pipe(
            Layer.provideMerge(Layer.mergeAll(Layer.succeed(FileSystem.FileSystem, fsys), Path.layer))
          )
        )
      )
    )
  )

const oneTail = async (good: number, cut: "1" | "half" | "length-1") => {
  const w = await realWorld()
  try {
    const path = `${w.dir}/b1/events.jsonl`
    const events = Array.from({ length: good }, (_, i) => ev(i, i % 2 === 0 ? "intent" : "done"))
    const wrote = await withJournal(
      w.fs,
      Effect.gen(function* () {
        const j = yield* Journal
        for (const e of events) yield* j.append(path, e)
      })
    )
    if (Exit.isFailure(wrote)) throw new Error(`cannot write the journal: ${JSON.stringify(wrote)}`)
    // The next line, an intent, torn by a crash mid-append.
    const line = encodeLine(ev(good, "intent"))
    if (line._tag === "Failure") throw new Error(line.failure)
    const at = cut === "1" ? 1 : cut === "half" ? Math.floor(line.success.length / 2) : line.success.length - 1
    fs.mkdirSync(`${w.dir}/b1`, { recursive: true })
    fs.appendFileSync(path, line.success.subarray(0, at))
    const read = await withJournal(
      w.fs,
      Effect.gen(function* () {
        return yield* (yield* Journal).read(path)
      })
    )
    const dangling = await withJournal(w.fs, danglingIntents(path))
    const after = await withJournal(
      w.fs,
      Effect.gen(function* () {
        const j = yield* Journal
        yield* j.append(path, ev(good + 1, "info"))
        return yield* j.read(path)
      })
    )
    if (Exit.isFailure(read) || Exit.isFailure(dangling) || Exit.isFailure(after))
      throw new Error("reading a torn journal failed")
    // Cut at length-1 only the newline is missing: the line decodes whole, and the codec reads it as
    // the event it is (JournalCodec: "a line is an event exactly when it decodes") — still reported.
    const whole = cut === "length-1"
    const keys = read.value.events.map((e) => e.key)
    const lost = events.filter((e) => !keys.includes(e.key)).length
    const reported = read.value.tornTail && dangling.value.tornTail ? 1 : 0
    const tornIntent = dangling.value.intents.some((i) => i.key === ev(good, "intent").key)
    const finalKeys = after.value.events.map((e) => e.key)
    const expected = good + (whole ? 1 : 0)
    return judge(
      whole
        ? "unterminated but whole last line read as its event and reported (tornTail); next append on its own line"
        : "fragment ignored and reported (tornTail); next append on its own line, the fragment then counted as skipped",
      [
        ["lost", lost === 0, `${lost} complete event(s) lost`],
        [
          "wrongOutcome",
          reported === 1,
          `tornTail not reported (port ${read.value.tornTail}, engine ${dangling.value.tornTail})`
        ],
        [
          "wrongOutcome",
          tornIntent === whole && read.value.events.length === expected,
          `cut ${cut}: ${read.value.events.length} events read, torn intent dangling ${tornIntent}`
        ],
        [
          "wrongOutcome",
          finalKeys.length === expected + 1 &&
            finalKeys.at(-1) === ev(good + 1, "info").key &&
            !after.value.tornTail &&
            after.value.skipped === (whole ? 0 : 1),
          `after the next append: ${finalKeys.length} events, tornTail ${after.value.tornTail}, skipped ${after.value.skipped}`
        ]
      ],
      { torn: 1, reported }
    )
  } finally {
    await w.cleanup()
  }
}

/** Torn tails after journals of several lengths, at every cut class. */
export const tornJournalTail = async (scale: Scale): Promise<Row> => {
  const t = new Tally("torn journal tail")
  const lengths = scale === "slice" ? [1, 4] : [0, 1, 4, 25]
  for (const good of lengths) {
    for (const cut of ["1", "half", "length-1"] as const) await t.iterate(() => oneTail(good, cut))
  }
  return t.row()
}
