using Narwhal.Core.Runs;

namespace Narwhal.Runner.Claiming;

/// <summary>How an attempt ended, as the Runner reports it.</summary>
public sealed record RunCompletion
{
    public required RunStatus Status { get; init; }
    public int? ExitCode { get; init; }
    public string? Reason { get; init; }
    public string? LogKey { get; init; }
    public long? LogSize { get; init; }
    public bool LogTruncated { get; init; }
}
