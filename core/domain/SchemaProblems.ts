/**
 * Schema's failure message (decoded with `errors: "all"`) as one problem per issue, each naming its field path
 * (`Expected … at ["tasks"][2]["status"]`): what "every problem at once" lists for a manifest, a state or a foreign
 * orchestrator's file.
 */

/** One line per issue: a path line (`  at …`) joins the issue it belongs to. */
export const issueLines = (message: string): ReadonlyArray<string> =>
  message.split("\n").reduce<Array<string>>((acc, line) => {
    if (line.startsWith("  at ") && acc.length > 0) acc[acc.length - 1] = `${acc[acc.length - 1]} ${line.trim()}`
    else if (line.trim() !== "") acc.push(line.trim())
    return acc
  }, [])
