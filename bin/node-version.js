// The Node versions rekindle runs on, checked before anything else is loaded: an older Node would
// fail on the first TypeScript or modern-API import with a stack trace instead of a sentence.
// Kept free of imports so it runs on any Node that can load an ES module.

/** The oldest Node rekindle runs on (package.json "engines"). */
export const MIN_NODE = [22, 19]

/** Whether `version` ("20.20.2", "v24.21.0") is older than {@link MIN_NODE}. */
export const tooOld = (version) => {
  const [major, minor] = String(version).replace(/^v/, "").split(".").map(Number)
  return major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])
}

/** The one line printed on a Node that is too old. */
export const tooOldMessage = (version) =>
  `rekindle needs Node >= ${MIN_NODE.join(".")}; this is Node ${String(version).replace(/^v/, "")}. ` +
  "Install a newer Node, or in a checkout of rekindle run it as `npx rekindle` after `npm ci` (which installs Node 24)."
