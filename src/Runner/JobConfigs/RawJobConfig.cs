using YamlDotNet.Core;

namespace Narwhal.Runner.JobConfigs;

// The sections of the file. Each property is one key, named in camelCase (ReadyTimeout is
// readyTimeout); a key the file leaves out stays null. Their order (a base record's first) is the
// order error messages list the allowed keys in.

/// <summary>What a run executes: the keys of a file without steps, of each step, and the defaults beside <c>steps</c>.</summary>
internal abstract record RawExecution : RawSection
{
    public RawScalar? Image { get; init; }
    public RawBuild? Build { get; init; }
    public RawList? Script { get; init; }
    public RawMap<RawScalar>? Env { get; init; }
    public RawMap<RawService>? Services { get; init; }
    public RawScalar? Timeout { get; init; }
    public RawResources? Resources { get; init; }
    public RawResults? Results { get; init; }
    public RawList? Secrets { get; init; }
    public RawScalar? User { get; init; }
    public RawCacheList? Cache { get; init; }
}

/// <summary>The whole file. With <see cref="Steps"/> it is a pipeline and its execution keys are the steps' defaults.</summary>
internal sealed record RawJobConfig : RawExecution
{
    public RawMap<RawStep>? Steps { get; init; }
    public RawScalar? FailFast { get; init; }
    public RawRetry? Retry { get; init; }
    public RawScalar? ResourceClass { get; init; }

    public override string? MisplacedKeyProblem(string key) =>
        RawSectionKeys.Of(typeof(RawStep)).Declares(key) && !RawSectionKeys.Of(typeof(RawJobConfig)).Declares(key)
            ? $"'{key}' is a key of a step: write it inside a step under 'steps', not at the top of the file"
            : null;
}

/// <summary>One step under <c>steps</c>: what it executes, and its place in the graph.</summary>
internal sealed record RawStep : RawExecution
{
    public RawNeedList? Needs { get; init; }
    public RawWhen? When { get; init; }
    public RawScalar? AllowFailure { get; init; }
    public RawScalar? ResourceClass { get; init; }
    public RawScalar? ConcurrencyGroup { get; init; }
    public RawScalar? Concurrency { get; init; }
    public RawRetry? Retry { get; init; }
    public RawMatrix? Matrix { get; init; }
    // An approval gate (BlockStepMapper): the prompt, its inputs, who may decide.
    public RawScalar? Block { get; init; }
    public RawMap<RawBlockField>? Fields { get; init; }
    public RawList? Approvers { get; init; }

    public override string? MisplacedKeyProblem(string key) =>
        key is "steps" or "failFast"
            ? $"'{key}' is a key of the whole pipeline: write it at the top of the file, not inside a step"
            : null;
}

/// <summary>An item of <c>needs</c>: written as the step's key alone, or as this mapping.</summary>
internal sealed record RawNeed : RawSection
{
    public RawScalar? Step { get; init; }
    public RawScalar? Artifacts { get; init; }
}

/// <summary>A step's <c>when</c>: written as its status rule alone (<c>when: always</c>), or as this mapping with conditions.</summary>
internal sealed record RawWhen : RawSection
{
    public RawScalar? Status { get; init; }
    public RawList? Branch { get; init; }
    public RawList? Event { get; init; }
    public RawList? Changes { get; init; }
}

/// <summary>A step's <c>matrix</c>: its axes (name → values), and the combinations it leaves out and adds.</summary>
internal sealed record RawMatrix : RawSection
{
    public RawMap<RawList>? Axes { get; init; }
    public RawMapList? Exclude { get; init; }
    public RawMapList? Include { get; init; }
}

/// <summary>An input of an approval gate, under <c>fields</c>.</summary>
internal sealed record RawBlockField : RawSection
{
    public RawScalar? Description { get; init; }
    public RawScalar? Required { get; init; }
    public RawScalar? Default { get; init; }
    public RawList? Options { get; init; }
}

internal sealed record RawRetry : RawSection
{
    public RawScalar? OnLost { get; init; }
}

internal sealed record RawBuild : RawSection
{
    public RawScalar? Dockerfile { get; init; }
    public RawScalar? Context { get; init; }
    public RawMap<RawScalar>? Args { get; init; }
}

internal sealed record RawService : RawSection
{
    public RawScalar? Image { get; init; }
    public RawBuild? Build { get; init; }
    public RawMap<RawScalar>? Env { get; init; }
    public RawList? Command { get; init; }
    public RawScalar? Ready { get; init; }
    public RawScalar? ReadyTimeout { get; init; }
}

internal sealed record RawResources : RawSection
{
    public RawScalar? Cpus { get; init; }
    public RawScalar? Memory { get; init; }
}

internal sealed record RawResults : RawSection
{
    public RawList? Junit { get; init; }
    public RawList? Artifacts { get; init; }
}

/// <summary>One item of <c>cache</c>: the key template and the paths it saves.</summary>
internal sealed record RawCache : RawSection
{
    public RawScalar? Key { get; init; }
    public RawList? Paths { get; init; }
}

/// <summary>The items of <c>cache</c>, in file order: one mapping, or a list of them.</summary>
internal sealed record RawCacheList(IReadOnlyList<RawCache> Items, Mark Start);
