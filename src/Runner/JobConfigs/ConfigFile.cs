using System.Diagnostics.CodeAnalysis;

namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// What a job config file describes (<see cref="JobConfigParser.ParseFile"/>): one run
/// (<see cref="Single"/>, a file without <c>steps</c>) or a pipeline of steps (<see cref="Pipeline"/>).
/// Exactly one is set.
/// </summary>
public sealed record ConfigFile
{
    [SuppressMessage("Naming", "CA1720:Identifier contains type name",
        Justification = "A single run as opposed to a pipeline; not the floating-point type.")]
    public JobConfig? Single { get; init; }

    public PipelineConfig? Pipeline { get; init; }
}
