/**
 * One rule for a tmux socket name (`tmux -L <name>`), wherever one comes from: a manifest, an
 * imported batch, or `createRekindle({ tmuxSocket })`. A plain file name of 1–64 characters of
 * `[A-Za-z0-9_.-]` starting with a letter, digit or `_` — never `.`/`..` (a directory), never an option.
 */

/** The pattern a tmux socket name must match. */
export const TMUX_SOCKET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/

/** The message for a name that does not match. */
export const TMUX_SOCKET_RULE = "must be 1-64 characters of [A-Za-z0-9_.-] starting with a letter, digit or '_'"

/** Why `name` is not a usable tmux socket name, or undefined. */
export const tmuxSocketProblem = (name: string): string | undefined =>
  TMUX_SOCKET_NAME.test(name) ? undefined : `tmux socket name ${JSON.stringify(name)} ${TMUX_SOCKET_RULE}`
