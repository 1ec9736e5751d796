using System.Text.Json;
using System.Text.Json.Serialization;
using Narwhal.Core.Jobs;
using Narwhal.Core.Pipelines;

namespace Narwhal.Api.Dtos;

/// <summary>
/// One step of a freestyle pipeline as PUT /jobs/{name} takes it and GET /jobs/{name} gives it back, under its key in
/// the ordered <c>steps</c> object. Keys left out take the job's top-level value (image, script, timeoutSeconds, retry;
/// env is merged variable by variable). Unknown properties are refused.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record JobStepDto
{
    public string? Image { get; init; }
    public List<string>? Script { get; init; }
    public Dictionary<string, string>? Env { get; init; }
    public int? TimeoutSeconds { get; init; }
    /// <summary>Keys of the steps this one waits for: <c>"build"</c>, or <c>{ "step": "build", "artifacts": false }</c> to leave its artifacts out of this step's workspace.</summary>
    public List<StepNeedDto>? Needs { get; init; }
    /// <summary><c>success</c> (default: every need succeeded), <c>failure</c> (one did not), <c>always</c>.</summary>
    public StepWhen? When { get; init; }
    /// <summary>The step may fail without failing the run; for its dependents it counts as succeeded.</summary>
    public bool? AllowFailure { get; init; }
    /// <summary>Default: the job's resource class.</summary>
    public string? ResourceClass { get; init; }
    /// <summary>Steps naming the same group, across all runs and jobs, run at most <c>concurrency</c> at once.</summary>
    public string? ConcurrencyGroup { get; init; }
    /// <summary>With concurrencyGroup: how many at once, 1-1000 (default 1).</summary>
    public int? Concurrency { get; init; }
    /// <summary><c>{ "onLost": N }</c> for this step; default: the job's retry.</summary>
    public RetryRequest? Retry { get; init; }
    /// <summary>Run the step once per combination of values: <c>{ "axes": { "NODE": ["18", "20"] } }</c>.</summary>
    public StepMatrixDto? Matrix { get; init; }
    /// <summary>An approval gate's prompt ("Deploy to production?"): the step runs nothing and waits for a decision; timeoutSeconds is how long.</summary>
    public string? Block { get; init; }
    /// <summary>With block: the inputs an approval gives, by variable name; later steps get them as environment variables.</summary>
    public OrderedDictionary<string, BlockFieldDto>? Fields { get; init; }
    /// <summary>With block: who may decide, token names and <c>scope:NAME</c> (default <c>["scope:admin"]</c>).</summary>
    public List<string>? Approvers { get; init; }

    /// <summary>A stored step in the shape PUT takes: sending it back unchanged is "unchanged".</summary>
    public static JobStepDto From(JobStep step) => step.Block is { } gate ? GateOf(step, gate) : new()
    {
        Image = step.Image,
        Script = step.Script?.ToList(),
        Env = step.Env?.ToDictionary(),
        TimeoutSeconds = step.TimeoutSeconds,
        Needs = step.Needs.Select(n => new StepNeedDto(n.Step, n.Artifacts)).ToList(),
        When = step.When,
        AllowFailure = step.AllowFailure,
        ResourceClass = step.ResourceClass,
        ConcurrencyGroup = step.ConcurrencyGroup,
        Concurrency = step.Concurrency,
        Retry = step.Retry is { } retry ? new RetryRequest { OnLost = retry.OnLost } : null,
        Matrix = step.Matrix is { } matrix ? StepMatrixDto.From(matrix) : null,
    };

    private static JobStepDto GateOf(JobStep step, BlockSpec gate) => new()
    {
        Block = gate.Prompt,
        Fields = gate.Fields.Count == 0 ? null
            : new OrderedDictionary<string, BlockFieldDto>(gate.Fields.Select(f => KeyValuePair.Create(f.Name,
                new BlockFieldDto { Description = f.Description, Required = f.Required, Default = f.Default, Options = f.Options?.ToList() }))),
        Approvers = [.. gate.Approvers],
        TimeoutSeconds = gate.TimeoutSeconds,
        Needs = step.Needs.Select(n => new StepNeedDto(n.Step, n.Artifacts)).ToList(),
        When = step.When,
        AllowFailure = step.AllowFailure,
    };

    /// <summary>Stored steps as the ordered <c>steps</c> object of the API; null for a job without steps.</summary>
    public static OrderedDictionary<string, JobStepDto>? MapOf(IReadOnlyList<JobStep>? steps)
    {
        if (steps is null) return null;
        var map = new OrderedDictionary<string, JobStepDto>(StringComparer.Ordinal);
        foreach (var step in steps) map[step.Key] = From(step);
        return map;
    }
}

/// <summary>An input of an approval gate.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record BlockFieldDto
{
    public string? Description { get; init; }
    /// <summary>An approval must give a value (or the field has a default).</summary>
    public bool Required { get; init; }
    public string? Default { get; init; }
    /// <summary>When set, the only values allowed.</summary>
    public List<string>? Options { get; init; }
}

/// <summary>A need: the key of a step, and whether that step's artifacts are placed in the workspace (default yes).</summary>
[JsonConverter(typeof(StepNeedJsonConverter))]
public sealed record StepNeedDto(string? Step, bool Artifacts = true);

/// <summary>
/// Reads a need written as a key (<c>"build"</c>) or as <c>{ "step": "build", "artifacts": false }</c>; writes the key
/// alone unless artifacts are off. Whether the key names a step is the validator's question, not this one's.
/// </summary>
public sealed class StepNeedJsonConverter : JsonConverter<StepNeedDto>
{
    private const string Shape = "A need is a step key (\"build\") or { \"step\": \"build\", \"artifacts\": false }.";

    public override StepNeedDto Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return new StepNeedDto(reader.GetString());
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException(Shape);

        string? step = null;
        bool? artifacts = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "step":
                    if (step is not null) throw new JsonException("Duplicate key 'step' in a need: each key may appear once.");
                    if (reader.TokenType != JsonTokenType.String) throw new JsonException("A need's 'step' is the key of a step (a string).");
                    step = reader.GetString();
                    break;
                case "artifacts":
                    if (artifacts is not null) throw new JsonException("Duplicate key 'artifacts' in a need: each key may appear once.");
                    if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False)) throw new JsonException("A need's 'artifacts' is true or false.");
                    artifacts = reader.GetBoolean();
                    break;
                default:
                    throw new JsonException($"Unknown field '{name}' in a need. {Shape}");
            }
        }
        return new StepNeedDto(step ?? throw new JsonException($"A need written as an object names its step. {Shape}"), artifacts ?? true);
    }

    public override void Write(Utf8JsonWriter writer, StepNeedDto value, JsonSerializerOptions options)
    {
        if (value.Artifacts)
        {
            writer.WriteStringValue(value.Step);
            return;
        }
        writer.WriteStartObject();
        writer.WriteString("step", value.Step);
        writer.WriteBoolean("artifacts", false);
        writer.WriteEndObject();
    }
}
