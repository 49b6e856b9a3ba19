/**
 * The public surface of the package: every runtime export name, per subpath. A removed export fails
 * test/package/Exports.test.ts (sources) and test/package/Artifact.test.ts (the packed package); an
 * added one fails too, until it is listed here — the public API changes only on purpose.
 * `rekindle` re-exports all of `rekindle/core`: its list is the core list plus {@link ROOT_EXTRA}.
 */

/** `rekindle/core`: the pure decision core. */
export const CORE: ReadonlyArray<string> = [
  "Action", "AgentActivity", "AgentEvidence", "AgentKind", "BRANCH_PREFIX", "BatchError", "BatchId", "BatchOptions",
  "BatchState", "BatchStateFields", "ContinueFromWave", "Count", "DEFAULT_STORM", "DeleteBranch", "DeliveryConfirm",
  "DeliveryDecision", "DeliveryObservation", "DeliveryReportLost", "DeliverySend", "DeliverySkip", "DeliverySubmit",
  "DeliveryWait", "DependencyCycle", "DoneMarker", "DuplicateTaskId", "Eligibility", "Evidence", "Hold",
  "Inventory", "Lane", "LaneId", "Lease", "LeaseAcquire", "LeaseDecision", "LeaseLiveness", "LeaseRefuse",
  "LeaseRenew", "LeaseTakeOver", "LogCheckpoint", "MANIFEST_DEFAULTS", "Manifest", "ManifestAgent",
  "ManifestOptions", "ManifestPrompt", "ManifestTask", "MarkTask", "MergeRecord", "MergeStatus", "Orphan",
  "PathState", "Phase", "Plan", "PlanStep", "ProcessIdentity", "ProcessInfo", "ProcessSnapshot", "PromptEntry",
  "PromptStatus", "PruneWorktrees", "ReadPlan", "Reattach", "RelaunchAgent", "RemoveWorktree", "Report",
  "ResumeOffset", "ResumePoint", "RetryMerge", "SAFE_ID_PATTERN", "SHELLS", "STATE_VERSION",
  "SUPPORTED_STATE_VERSIONS", "SelfDependency", "SessionEvidence", "Signals", "SnapshotOrphan", "SnapshotWip",
  "StateDecodeError", "StateVersionError", "StopSession", "TERMINAL_STATUSES", "Task", "TaskDecision", "TaskEvent",
  "TaskId", "TaskStatus", "Timestamp", "TmuxPane", "TmuxStatus", "UnknownDependency", "WORKTREE_DIR",
  "WavePlanError", "WaveProblem", "WorktreeEvidence", "WorktreeInfo", "branchFor", "checkEligibility",
  "checkpointAfter", "computeResumePoint", "decideDelivery", "decideLease", "decideTask", "describeWaveProblem",
  "detectActivity", "guardRelaunchStorm", "diedOnItsOwn", "hostDeclaresSessions", "encodeState", "evidenceFor", "findOrphans", "isDestructive",
  "isTerminal", "laneOf", "lanesNeedingMerge", "lastLaunchAt", "lastMeaningfulLine", "latestMerge", "liveness",
  "migrateState", "neverStarted", "ownershipTag", "panesOf", "parseMarker", "parseOwnershipTag",
  "parseWorktreePath", "planRecovery", "planRestart", "planWaves", "readPlan", "reconcile", "recordedAgentAlive",
  "resumeOffset", "sameProcessIdentity", "sessionNameFor", "splitLines", "stepKey", "supervisorSessionFor",
  "supervisorTag", "taskOrder", "tasksById", "validateManifest", "worktreeDirty", "worktreeEvidence", "worktreeFor"
]

/** What `rekindle` exports beyond `rekindle/core`: engine, ports, import, Promise facade. */
export const ROOT_EXTRA: ReadonlyArray<string> = [
  "AgentError", "AgentErrorReason", "AgentKindSpec", "AgentLauncher", "ArgvToken", "ConversationMode", "CrashPoint",
  "DEFAULT_IMPORT_AGENT", "DEFAULT_LEASE_STALE_MS", "EngineError", "ErrorCode", "ExecutorEvents",
  "ExecutorSettings", "GitError", "GitErrorReason", "ImportIoError", "Journal", "JournalDurability", "JournalError",
  "JournalErrorReason", "JournalEvent", "JournalPhase", "LeaseError", "LeaseErrorReason", "LeaseStore", "LogTail",
  "LogTailError", "LogTailErrorReason", "ProcessTable", "ProcessTableError", "ProcessTableErrorReason",
  "RekindleError", "StateStore", "StateStoreError", "StateStoreErrorReason", "TaskplaneLane", "TaskplaneMerge",
  "TaskplanePhase", "TaskplaneState", "TaskplaneTask", "TaskplaneTaskStatus", "Tmux", "TmuxError",
  "TmuxErrorReason", "TranscriptFormat", "TranscriptRoot", "TranscriptRule", "WaveExecutor", "WaveExecutorError",
  "WaveExecutorErrorReason", "Worktrees", "abort", "acquireLease", "addDirty", "applyPlan", "batchPaths",
  "continueFrom", "createRekindle", "deliverPrompt", "handoffPrompt", "importIO", "importState", "initialState",
  "inventory", "launchTask", "listBatches", "loadState", "makeApplying", "makeRekindle", "mapTaskplane", "observe",
  "parseTaskplane", "plan", "planFromSnapshot", "planState", "prepare", "readManifest", "readSink",
  "recheckPrompts", "repair", "requireWorktree", "resolveBatch", "resume", "run", "saveState", "seenInPane",
  "sinkPath", "startDetachedSupervisor", "stateRoot", "status", "statusOf", "taskplane", "toBatchState",
  "toRekindleError", "withLease"
]

/** `rekindle/node`: the live layer. */
export const NODE: ReadonlyArray<string> = ["layer"]

/** `rekindle/testing`: the FakeWorld and the fast-check arbitraries. */
export const TESTING: ReadonlyArray<string> = [
  "FakeAgents", "FakeClock", "FakeWorld", "GitWorld", "ProcWorld", "TmuxWorld", "batchStateArbitrary",
  "decisionArbitrary", "fromSchema", "permute", "planStepArbitrary", "scenarioArbitrary", "signalsArbitrary",
  "taskArbitrary"
]

/** Every subpath (as imported) → its sorted export names. */
export const SURFACE: Readonly<Record<string, ReadonlyArray<string>>> = {
  "rekindle": [...CORE, ...ROOT_EXTRA].sort(),
  "rekindle/core": CORE,
  "rekindle/node": NODE,
  "rekindle/testing": TESTING
}

/** Subpath → the source entry file that becomes it (exports/<name>.ts → dist/exports/<name>.js). */
export const ENTRY: Readonly<Record<string, string>> = {
  "rekindle": "exports/index.ts",
  "rekindle/core": "exports/core.ts",
  "rekindle/node": "exports/node.ts",
  "rekindle/testing": "exports/testing.ts"
}
