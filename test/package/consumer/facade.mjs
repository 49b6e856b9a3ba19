// Run from a temp project that installed the packed tarball, against a real git repo holding a
// crashed taskplane-style batch whose lane sessions live on a private tmux socket:
//   node facade.mjs <repo> <socket>
// Uses only the Promise facade; prints one JSON document that test/package/Artifact.test.ts asserts.
import { createRekindle, RekindleError, taskplane } from "rekindle"

const [repo, socket] = process.argv.slice(2)
const out = {}
// No socket here: the import records it in the batch, and every later call finds it there.
const rk = createRekindle({ repo })
const imported = await rk.importState(taskplane({ repoRoot: repo, tmuxSocket: socket }), { save: true })
out.imported = { saved: imported.saved, tasks: imported.state.tasks.length }

const report = await rk.plan()
out.plan = {
  eligibility: report.eligibility._tag,
  decisions: report.decisions.map((d) => [d.taskId, d.action]),
  resumeWave: report.resumePoint.resumeWave,
  steps: report.plan.steps.map((s) => s._tag)
}
const signals = await rk.observe()
out.observe = {
  tmux: signals.tmux.state,
  sessions: signals.tmux.state === "up" ? signals.tmux.panes.map((p) => p.sessionName).sort() : []
}
out.status = (await rk.status()).tasks.map((t) => [t.id, t.status, t.session])
const repaired = await rk.repair({ dryRun: true })
out.repair = { dryRun: repaired.dryRun, removals: repaired.removals }

const failure = async (promise) =>
  promise.then(
    () => "resolved",
    (e) => ({ rekindleError: e instanceof RekindleError, code: e.code, hint: typeof e.hint })
  )
out.restartUnknown = await failure(rk.resume({ restart: "TP-999" }))
out.abort = await rk.abort({ hard: true })
out.resumeStopped = await failure(rk.resume())
await rk.close()
console.log(JSON.stringify(out))
