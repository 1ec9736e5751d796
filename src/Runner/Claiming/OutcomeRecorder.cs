using Narwhal.Core.Resilience;
using Polly;

namespace Narwhal.Runner.Claiming;

/// <summary>
/// The final write of a claimed attempt: its outcome, under the attempt's fence. The write is safe
/// to repeat (a retry after a lost answer finds its own outcome recorded), so it is retried here,
/// through transient database failures for <see cref="RunnerSettings.OutcomeRetryTime"/>; callers
/// never retry it themselves. Until it is recorded the run stays with its supervisor, so heartbeats
/// keep listing it and the Dispatcher does not call it lost.
/// </summary>
public sealed class OutcomeRecorder(RunAttemptStore attempts, RunnerSettings settings, ILogger<OutcomeRecorder> logger)
{
    private readonly ResiliencePipeline _outcome = NarwhalResilience.CreateTimedRetryPipeline("outcome", logger, settings.OutcomeRetryTime);
    private readonly ResiliencePipeline _attachLog = NarwhalResilience.CreateRetryPipeline("attach-log", logger, maxRetries: 5);

    /// <summary>
    /// Records the outcome. Never throws: an attempt found stale (superseded, declared lost) has its
    /// outcome discarded, and one that cannot be written in time is left to the Dispatcher.
    /// </summary>
    public async Task RecordAsync(ClaimedRun claimed, RunCompletion completion)
    {
        try
        {
            await _outcome.ExecuteAsync(async ct => await attempts.FinishAsync(claimed.Run.Id, claimed.AttemptId, completion, ct), CancellationToken.None);
            logger.LogInformation("Run {RunId} ended {Status} (exit code {ExitCode})", claimed.Run.Id, completion.Status, completion.ExitCode);
        }
        catch (StaleAttemptException ex)
        {
            logger.LogWarning("{Message} The outcome {Status} is discarded", ex.Message, completion.Status);
            await AttachLogAsync(claimed, completion);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "The outcome {Status} of run {RunId} could not be recorded within {Seconds} s; the Dispatcher reports the run lost",
                completion.Status, claimed.Run.Id, settings.OutcomeRetryTime.TotalSeconds);
        }
    }

    /// <summary>The run ended without this attempt's outcome (declared lost meanwhile): its uploaded log still belongs to it.</summary>
    private async Task AttachLogAsync(ClaimedRun claimed, RunCompletion completion)
    {
        if (completion.LogKey is not { } key) return;
        try
        {
            if (await _attachLog.ExecuteAsync(async ct => await attempts.AttachLogAsync(claimed.Run.Id, claimed.AttemptId, key, completion.LogSize ?? 0,
                    completion.LogTruncated, ct), CancellationToken.None))
                logger.LogInformation("Run {RunId}: its console log stays readable under its final status", claimed.Run.Id);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Attaching the console log of run {RunId} failed", claimed.Run.Id);
        }
    }
}
