/** Entry of `rekindle/node`: the live layer — real tmux, git, /proc and disk — for Effect programs. */
export * from "../adapters/node.ts"
