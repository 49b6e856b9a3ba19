/**
 * Codex 0.169.0 pointed at the local model server, with no network and no hand on the keyboard. Every
 * key below is Codex's own config (`$CODEX_HOME/config.toml`), as a user would write it:
 * - `model_provider = "local"` + `[model_providers.local]` `base_url`, `wire_api = "responses"` (the
 *   only value 0.169 accepts), `env_key` (the variable holding the key; any value for a local server);
 * - `approval_policy = "never"` and `sandbox_mode = "danger-full-access"`: no approval prompt before a
 *   command (the task's worktree is the sandbox rekindle gives it);
 * - `check_for_update_on_startup = false`: no update notice;
 * - `[projects."<repo root>"] trust_level = "trusted"`: no "Trust this folder?" screen; Codex applies a
 *   repository's trust to its linked worktrees (`.rekindle/worktrees/…`), checked by these tests.
 * And one flag per task, through the manifest's `args`: `--no-daemon`, so the TUI runs its session in
 * its own process instead of a shared background app-server that would outlive the tmux server.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import type { WorldDirs } from "../support/real-agents/world.ts"

/** The environment variable the provider's key is read from. */
export const CODEX_KEY_ENV = "REKINDLE_TEST_MODEL_KEY"

/** Write `<home>/.codex/config.toml` pointing Codex at `baseUrl`; returns CODEX_HOME. */
export const configureCodex = (world: WorldDirs, baseUrl: string): string => {
  const codexHome = nodePath.join(world.home, ".codex")
  fs.mkdirSync(codexHome, { recursive: true })
  fs.writeFileSync(
    nodePath.join(codexHome, "config.toml"),
    [
      `model = "test-model"`,
      `model_provider = "local"`,
      `approval_policy = "never"`,
      `sandbox_mode = "danger-full-access"`,
      `check_for_update_on_startup = false`,
      ``,
      `[model_providers.local]`,
      `name = "local"`,
      `base_url = ${JSON.stringify(baseUrl)}`,
      `wire_api = "responses"`,
      `env_key = "${CODEX_KEY_ENV}"`,
      ``,
      `[projects.${JSON.stringify(world.repo)}]`,
      `trust_level = "trusted"`,
      ``
    ].join("\n")
  )
  return codexHome
}
