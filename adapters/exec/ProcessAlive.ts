/**
 * Whether a process of this machine still exists, seen from here: signal 0 checks without
 * delivering. EPERM is a live process of another user. Used to tell leftovers of a dead rekindle
 * process (named or tagged with its pid) from those of one still at work.
 */
export const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}
