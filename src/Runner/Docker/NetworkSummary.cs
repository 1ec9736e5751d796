namespace Narwhal.Runner.Docker;

/// <summary>One row of the engine's network list. <see cref="Internal"/>: the engine drops traffic leaving the network.</summary>
public sealed record NetworkSummary(
    string Id,
    string Name,
    string Driver,
    bool Internal,
    IReadOnlyDictionary<string, string> Labels);
