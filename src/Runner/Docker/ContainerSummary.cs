namespace Narwhal.Runner.Docker;

/// <summary>One row of the engine's container list. <see cref="State"/> is Docker's: created, running, exited, …</summary>
public sealed record ContainerSummary(
    string Id,
    IReadOnlyList<string> Names,
    string Image,
    string State,
    IReadOnlyDictionary<string, string> Labels);
