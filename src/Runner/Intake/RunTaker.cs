using System.Text.Json;
using Narwhal.Contracts;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Execution;
using Narwhal.Runner.Fleet;
using RabbitMQ.Client;

namespace Narwhal.Runner.Intake;

/// <summary>
/// Takes one delivered run message: claims the run (see <see cref="RunClaimer"/>), acknowledges the
/// message right after the claim committed, and hands the run to the <see cref="RunSupervisor"/>.
/// The message is given back to its queue when the claim fails; a run no longer queued is
/// acknowledged and skipped.
/// </summary>
public sealed class RunTaker(RunClaimer claimer, RunSupervisor supervisor, RunnerMetrics metrics, ILogger<RunTaker> logger)
{
    /// <summary>
    /// The caller reserved the class's capacity: it goes to the run, or back to the pool through
    /// <paramref name="release"/> here — called exactly once, when the run ends or at once if none starts.
    /// </summary>
    public async Task TakeAsync(IChannel channel, string resourceClass, ulong deliveryTag, ReadOnlyMemory<byte> body, Action release, CancellationToken ct)
    {
        var handedOver = false;
        try
        {
            handedOver = await ClaimAndStartAsync(channel, resourceClass, deliveryTag, body, release, ct);
        }
        catch (Exception ex)
        {
            // Postgres unreachable, say: give the message back for this or another Runner.
            logger.LogError(ex, "Could not claim the delivered run; returning it to the queue");
            await RejectQuietlyAsync(channel, deliveryTag, requeue: true, logger);
        }
        finally
        {
            if (!handedOver) release();
        }
    }

    /// <summary>A reject that fails is logged only: the broker redelivers the message when the channel closes.</summary>
    public static async Task RejectQuietlyAsync(IChannel channel, ulong tag, bool requeue, ILogger logger)
    {
        try { await channel.BasicRejectAsync(tag, requeue); }
        catch (Exception ex) { logger.LogWarning(ex, "Reject failed; the broker redelivers the message when the channel closes"); }
    }

    private async Task<bool> ClaimAndStartAsync(IChannel channel, string resourceClass, ulong deliveryTag, ReadOnlyMemory<byte> body,
        Action release, CancellationToken ct)
    {
        ExecuteRun? message;
        try
        {
            message = JsonSerializer.Deserialize<ExecuteRun>(body.Span, Json.Options);
        }
        catch (JsonException ex)
        {
            logger.LogError(ex, "Dropping a malformed message from the queue of class {Class}", resourceClass);
            message = null;
        }
        if (message is null)
        {
            await channel.BasicRejectAsync(deliveryTag, requeue: false, CancellationToken.None);
            return false;
        }

        var claim = await claimer.ClaimAsync(message.RunId, ct);
        // The claim is committed: from here the database, not the broker, owns the run. If the ack
        // is lost, the redelivered message finds the run no longer queued and is skipped.
        try
        {
            // Not cancellable: the claim is committed, and the ack is what stops a redelivery.
            await channel.BasicAckAsync(deliveryTag, multiple: false, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Acknowledging run {RunId} failed; a redelivery will be skipped", message.RunId);
        }

        if (claim.Result.Claimed is not { } claimed)
        {
            logger.LogInformation("Run {RunId} is {Status}, not queued: acknowledged and skipped", message.RunId,
                claim.Result.FoundStatus?.Name() ?? "unknown");
            return false;
        }
        if (claim.PickupLatency is { } latency)
        {
            metrics.RunPickedUp(resourceClass, latency);
            if (claimed.Step is not null) metrics.StepPickedUp(resourceClass, latency);
        }
        logger.LogInformation("Claimed run {RunId} ({Job} #{Number}, {Class}), attempt {Attempt}, {Latency:0.000} s after it was queued",
            claimed.Run.Id, claimed.Run.JobName, claimed.Run.Number, resourceClass, claimed.Run.Attempt, claim.PickupLatency?.TotalSeconds);
        supervisor.Start(claimed, release);
        return true;
    }
}
