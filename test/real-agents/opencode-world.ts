/**
 * OpenCode 1.18.33 pointed at the local model server, with no hand on the keyboard. Its own config
 * (`$XDG_CONFIG_HOME/opencode/opencode.json`, here under the temp HOME), as a user would write it:
 * - `provider.local`: `npm: "@ai-sdk/openai-compatible"` (bundled with OpenCode: no download) with
 *   `options.baseURL` and `options.apiKey`, and `models["test-model"]`; `model` and `small_model`
 *   (the title request) `"local/test-model"`. It speaks Chat Completions (`POST /v1/chat/completions`).
 * - `permission`: `edit`, `bash` and `external_directory` `"allow"`: no approval prompt (the done
 *   marker lives in rekindle's state dir, outside the worktree);
 * - `autoupdate: false`, `share: "disabled"`.
 * And, per task through the manifest's `env`: OPENCODE_DISABLE_AUTOUPDATE, OPENCODE_DISABLE_MODELS_FETCH
 * (no models.dev catalogue fetch), OPENCODE_DISABLE_LSP_DOWNLOAD. OpenCode shows no trust screen.
 * Measured: on first start it still installs its plugin package into the config dir from the npm
 * registry (the only network it uses here).
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import type { WorldDirs } from "../support/real-agents/world.ts"

/** The variables each OpenCode task gets through the manifest's `env`. */
export const OPENCODE_ENV: Readonly<Record<string, string>> = {
  OPENCODE_DISABLE_AUTOUPDATE: "1",
  OPENCODE_DISABLE_MODELS_FETCH: "1",
  OPENCODE_DISABLE_LSP_DOWNLOAD: "1"
}

/** Write `<home>/.config/opencode/opencode.json` pointing OpenCode at `baseUrl`. */
export const configureOpenCode = (world: WorldDirs, baseUrl: string): void => {
  const dir = nodePath.join(world.home, ".config", "opencode")
  fs.mkdirSync(dir, { recursive: true })
  const config = {
    $schema: "https://opencode.ai/config.json",
    model: "local/test-model",
    small_model: "local/test-model",
    autoupdate: false,
    share: "disabled",
    permission: { edit: "allow", bash: "allow", external_directory: "allow" },
    provider: {
      local: {
        npm: "@ai-sdk/openai-compatible",
        name: "Local test server",
        options: { baseURL: baseUrl, apiKey: "local-test-key" },
        models: { "test-model": { name: "Test model", tool_call: true } }
      }
    }
  }
  fs.writeFileSync(nodePath.join(dir, "opencode.json"), JSON.stringify(config, null, 2))
}
