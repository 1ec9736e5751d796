using Narwhal.Api.Runs;
using Narwhal.Core.Pipelines;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Dtos;

/// <summary>
/// A step of a run: where it sits in the graph (needs, when, allowFailure) and how its current attempt went. A run
/// without steps has one, <c>main</c>, which is the run itself (its id is the run's id).
/// </summary>
public sealed record StepDto
{
    /// <summary>The id of the runs row executing this attempt (for <c>main</c>, the run's own id).</summary>
    public required Guid Id { get; init; }
    public required string Key { get; init; }
    public required RunStatus Status { get; init; }
    public string? StatusReason { get; init; }
    /// <summary>1, plus one per retry of the step; for <c>main</c>, the run's attempt.</summary>
    public required int Attempt { get; init; }
    public required IReadOnlyList<string> Needs { get; init; }
    public required StepWhen When { get; init; }
    public required bool AllowFailure { get; init; }
    /// <summary>On an instance of a matrix step: <c>of</c>, the key as written (what needs name), and its <c>values</c>.</summary>
    public StepInstance? Matrix { get; init; }
    public required string ResourceClass { get; init; }
    public string? RunnerId { get; init; }
    public int? ExitCode { get; init; }
    public required DateTime CreatedAt { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    /// <summary>Set on an attempt a retry replaced (asked for with ?attempt=N).</summary>
    public DateTime? SupersededAt { get; init; }
    /// <summary>Size of the stored console log, once the step ended.</summary>
    public long? LogSize { get; init; }
    public bool LogTruncated { get; init; }
    /// <summary>Queued but held back by its concurrency group.</summary>
    public bool Held { get; init; }
    public string? WaitingFor { get; init; }
    /// <summary>Set for an approval gate: the step runs nothing and waits for a decision.</summary>
    public GateDto? Block { get; init; }
    public required StepLinks Links { get; init; }

    public static StepDto From(Guid runId, RunStep step)
    {
        var row = step.Row;
        var self = $"/runs/{runId}/steps/{Uri.EscapeDataString(step.Key)}";
        return new StepDto
        {
            Id = row.Id,
            Key = step.Key,
            Status = row.Status,
            StatusReason = row.StatusReason,
            Attempt = step.Attempt,
            Needs = step.Needs,
            When = step.When,
            AllowFailure = step.AllowFailure,
            Matrix = step.Matrix,
            ResourceClass = row.ResourceClass,
            RunnerId = row.RunnerId,
            ExitCode = row.ExitCode,
            CreatedAt = row.CreatedAt.UtcDateTime,
            StartedAt = row.StartedAt?.UtcDateTime,
            FinishedAt = row.FinishedAt?.UtcDateTime,
            SupersededAt = step.SupersededAt?.UtcDateTime,
            LogSize = row.LogSize,
            LogTruncated = row.LogTruncated,
            Held = row.Held,
            WaitingFor = RunDto.WaitingForOf(row),
            Block = step.Gate is { } gate ? GateDto.From(gate) : null,
            Links = new StepLinks(self, $"{self}/console", $"{self}/results"),
        };
    }
}

public sealed record StepLinks(string Self, string Console, string Results);
