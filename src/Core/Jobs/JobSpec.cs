namespace Narwhal.Core.Jobs;

/// <summary>
/// Everything a job is, but its name, in canonical form: defaults filled in, so that two PUTs
/// meaning the same job store byte-identical JSON and the second one is recognised as "unchanged".
/// </summary>
public sealed record JobSpec
{
    public required JobType Type { get; init; }
    public required string ResourceClass { get; init; }
    public string? Description { get; init; }

    /// <summary>Freestyle: the image the script runs in.</summary>
    public string? Image { get; init; }

    /// <summary>Freestyle: commands run in order in one shell; the first failing one fails the run.</summary>
    public IReadOnlyList<string>? Script { get; init; }

    /// <summary>Git: where the repository and its job config are.</summary>
    public GitSource? Git { get; init; }

    public IReadOnlyList<ParameterDeclaration> Parameters { get; init; } = [];

    /// <summary>Null = the Runner's global maximum.</summary>
    public int? TimeoutSeconds { get; init; }
}
