namespace Narwhal.Core.Jobs;

public sealed record GitSource
{
    public required string Url { get; init; }
    public string ConfigPath { get; init; } = ".narwhal.yml";
    public string DefaultBranch { get; init; } = "main";
}
