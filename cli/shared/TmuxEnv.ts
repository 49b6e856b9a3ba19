/**
 * The tmux server a command runs inside. Started from a tmux pane (`$TMUX` set), tmux commands
 * without `-L` go to THAT server, not the default one: a batch started there must record it, or
 * every later command from another terminal looks at the default server, finds no session and takes
 * live agents for dead ones.
 */

/**
 * `$TMUX` (`<socket path>,<server pid>,<session>`) as a `tmux -L` name: the socket's file name when
 * it lives in tmux's own socket directory (`$TMUX_TMPDIR` or /tmp, then `tmux-<uid>`); undefined
 * outside tmux or for a socket elsewhere (`tmux -S <path>`), which `-L` cannot name.
 */
export const socketFromTmuxEnv = (
  env: Readonly<Record<string, string | undefined>>,
  uid: number | undefined
): string | undefined => {
  const tmux = env["TMUX"]
  if (tmux === undefined || tmux === "" || uid === undefined) return undefined
  const path = tmux.split(",")[0] ?? ""
  const dir = path.slice(0, path.lastIndexOf("/"))
  const name = path.slice(path.lastIndexOf("/") + 1)
  const expected = `${(env["TMUX_TMPDIR"] ?? "/tmp").replace(/\/+$/, "")}/tmux-${uid}`
  return dir === expected && name !== "" ? name : undefined
}
