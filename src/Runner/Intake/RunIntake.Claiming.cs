using System.Text.Json;
using Narwhal.Contracts;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using RabbitMQ.Client;

namespace Narwhal.Runner.Intake;

public sealed partial class RunIntake
{
    /// <summary>
    /// Claims the run of a taken message, acknowledges the message and starts the run. The caller
    /// reserved the class's capacity: it goes to the run, or back to the pool here.
    /// </summary>
    private async Task TakeAsync(IChannel channel, string resourceClass, ulong deliveryTag, ReadOnlyMemory<byte> body)
    {
        var handedOver = false;
        try
        {
            handedOver = await ClaimAndStartAsync(channel, resourceClass, deliveryTag, body);
        }
        catch (Exception ex)
        {
            // Postgres unreachable, say: give the message back for this or another Runner.
            logger.LogError(ex, "Could not claim the delivered run; returning it to the queue");
            await RejectQuietlyAsync(channel, deliveryTag, requeue: true);
        }
        finally
        {
            if (!handedOver) Release(resourceClass);
        }
    }

    private async Task<bool> ClaimAndStartAsync(IChannel channel, string resourceClass, ulong deliveryTag, ReadOnlyMemory<byte> body)
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
            await channel.BasicRejectAsync(deliveryTag, requeue: false);
            return false;
        }

        var claim = await claimer.ClaimAsync(message.RunId, _stoppingToken);
        // The claim is committed: from here the database, not the broker, owns the run. If the ack
        // is lost, the redelivered message finds the run no longer queued and is skipped.
        try
        {
            await channel.BasicAckAsync(deliveryTag, multiple: false);
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
        if (claim.PickupLatency is { } latency) metrics.RunPickedUp(resourceClass, latency);
        logger.LogInformation("Claimed run {RunId} ({Job} #{Number}, {Class}), attempt {Attempt}, {Latency:0.000} s after it was queued",
            claimed.Run.Id, claimed.Run.JobName, claimed.Run.Number, resourceClass, claimed.Run.Attempt, claim.PickupLatency?.TotalSeconds);
        supervisor.Start(claimed, () => Release(resourceClass));
        return true;
    }
}
