using YamlDotNet.Core;

namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// Whose execution keys are being checked (the job of a file without steps, the top-level defaults,
/// or a step), for the words of a problem and where a missing key is reported.
/// </summary>
internal sealed record ExecutionOwner(string Name, Mark Start, string? StepKey)
{
    public static ExecutionOwner Job(Mark fileStart) => new("the job", fileStart, null);

    public static ExecutionOwner Defaults(Mark fileStart) => new("the top level", fileStart, null);

    public static ExecutionOwner Step(RawScalar key) => new($"step '{key.Value}'", key.Start, key.Value);

    /// <summary>Completes "needs 'script'…": a step may get a key from the top-level defaults instead.</summary>
    public string DefaultHint => StepKey is null ? "" : ", in the step or as a top-level default";

    /// <summary>A step's env is the defaults' merged with its own.</summary>
    public string EnvName => StepKey is null ? "'env'" : $"the env of step '{StepKey}'";
}
