namespace Narwhal.Runner.JobConfigs;

// The sections of the file. Each property is one key, named in camelCase (ReadyTimeout is
// readyTimeout); a key the file leaves out stays null. Their order is the order error messages
// list the allowed keys in.

internal sealed record RawJobConfig : RawSection
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
