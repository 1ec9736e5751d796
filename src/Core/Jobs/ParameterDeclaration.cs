namespace Narwhal.Core.Jobs;

/// <summary>A parameter a job accepts at trigger time; values reach the container as environment variables.</summary>
public sealed record ParameterDeclaration
{
    public required string Name { get; init; }
    public string? Default { get; init; }
    public bool Required { get; init; }
    public string? Description { get; init; }
}
