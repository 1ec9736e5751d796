namespace Narwhal.Chaos;

/// <summary>What every experiment gets: the options, where to print progress and write Runner logs, the suite's cancellation.</summary>
public sealed record ChaosContext(ChaosOptions Options, Action<string> Say, string LogDir, CancellationToken Ct);
