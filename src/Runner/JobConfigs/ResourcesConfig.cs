namespace Narwhal.Runner.JobConfigs;

/// <summary>Limits for the script's container; a null member leaves the runner's default.</summary>
public sealed record ResourcesConfig
{
    /// <summary>CPUs, fractions allowed (0.5 is half a CPU).</summary>
    public double? Cpus { get; init; }

    public long? MemoryBytes { get; init; }
}
