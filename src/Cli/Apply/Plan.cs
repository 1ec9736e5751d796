using System.Text.Json.Nodes;

namespace Narwhal.Cli.Apply;

public enum PlanAction { Create, Update, Unchanged, Delete }

public enum ItemKind { Job, Secret, GitCredentials }

/// <summary>A field the API reports as changing, with its stored and its new value (JSON).</summary>
public sealed record FieldChange(string Field, JsonNode? From, JsonNode? To);

/// <summary>One step of a plan: a job, a secret or a job's git credentials, and what applying it did.</summary>
public sealed class PlanItem
{
    public required ItemKind Kind { get; init; }
    public required string Job { get; init; }
    /// <summary>The secret's name (Kind = Secret).</summary>
    public string? Secret { get; init; }
    public required PlanAction Action { get; init; }
    public IReadOnlyList<FieldChange> Changes { get; init; } = [];
    public SourceMark? Mark { get; init; }

    /// <summary>The request that carries out the step (null for unchanged).</summary>
    public (HttpMethod Method, string Path, JsonObject? Body)? Request { get; init; }

    /// <summary>After applying: created, updated, unchanged, deleted, failed or skipped.</summary>
    public string? Result { get; set; }
    public string? Error { get; set; }

    public string Label => Kind switch
    {
        ItemKind.Job => $"job {Job}",
        ItemKind.Secret => $"secret {Job}/{Secret}",
        _ => $"git credentials of {Job}",
    };
}

/// <summary>All steps in the order they are applied, and the errors that stop it from being applied.</summary>
public sealed class Plan
{
    public List<PlanItem> Items { get; } = [];
    public List<string> Errors { get; } = [];

    public int Count(PlanAction action) => Items.Count(i => i.Action == action);
    public bool HasChanges => Items.Any(i => i.Action != PlanAction.Unchanged);
}
