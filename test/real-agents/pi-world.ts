/**
 * pi 0.73.1 pointed at the local model server: its own config `~/.pi/agent/models.json` (here under
 * the temp HOME) with a provider `local` — `baseUrl`, `api: "openai-completions"` (Chat Completions),
 * `apiKey`, `compat.supportsDeveloperRole: false` and `compat.supportsReasoningEffort: false`, one model
 * `test-model`. Per task, through the manifest: `args` `["--provider", "local", "--model", "test-model"]`
 * and `env` `PI_OFFLINE=1` (no start-up downloads). pi shows no trust or approval screen.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import type { WorldDirs } from "../support/real-agents/world.ts"

/** The task settings a pi task gets in the manifest. */
export const PI_TASK = { args: ["--provider", "local", "--model", "test-model"], env: { PI_OFFLINE: "1" } } as const

/** Write `<home>/.pi/agent/models.json` pointing pi at `baseUrl`. */
export const configurePi = (world: WorldDirs, baseUrl: string): void => {
  const dir = nodePath.join(world.home, ".pi", "agent")
  fs.mkdirSync(dir, { recursive: true })
  const models = {
    providers: {
      local: {
        baseUrl,
        api: "openai-completions",
        apiKey: "local-test-key",
        compat: { supportsDeveloperRole: false, supportsReasoningEffort: false },
        models: [{ id: "test-model", name: "Test model" }]
      }
    }
  }
  fs.writeFileSync(nodePath.join(dir, "models.json"), JSON.stringify(models, null, 2))
}
