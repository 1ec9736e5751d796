using Narwhal.Runner.JobConfigs;

namespace Narwhal.Runner.Pipelines;

/// <summary>
/// A claimed run that is one step of a pipeline: what it executes was recorded when the pipeline was
/// planned (<see cref="Definition"/>), never re-read from a branch that may have moved on.
/// </summary>
/// <param name="ParentRunId">The pipeline run the step belongs to.</param>
/// <param name="StepAttempt">1, then one more per retry of the step.</param>
/// <param name="ArtifactsFrom">Keys of the needs whose artifacts are placed in the workspace before the script.</param>
public sealed record ClaimedStep(Guid ParentRunId, string Key, int StepAttempt, JobConfig Definition, IReadOnlyList<string> ArtifactsFrom);
