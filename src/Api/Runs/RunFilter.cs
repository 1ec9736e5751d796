using Narwhal.Core.Runs;

namespace Narwhal.Api.Runs;

public sealed record RunFilter
{
    public string? JobName { get; init; }
    public RunStatus? Status { get; init; }
    public string? Branch { get; init; }
    public RunCursor? After { get; init; }
    public int Limit { get; init; } = 20;
}
