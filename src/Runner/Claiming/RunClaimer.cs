using Narwhal.Core.Resilience;
using Narwhal.Core.Runs;
using Polly;

namespace Narwhal.Runner.Claiming;

/// <summary>
/// This Runner's claims of runs, safe when the database blinks.
///
/// One attempt id per run this Runner is taking: a claim retried after a transient failure
/// (the UPDATE may have committed while its answer was lost) carries the same id, and the store
/// claims a run found running under that id again instead of skipping it. When the claim still
/// fails, its fate is unknown, so the run is <em>unsettled</em>: it is released (back to queued,
/// with an outbox row that delivers it again) as soon as the database answers, here or at the
/// next <see cref="SettleAsync"/>, and a redelivery of it to this Runner meanwhile reuses the
/// same attempt id. Unsettled runs are listed in the heartbeats, so the Dispatcher does not call
/// them lost while this Runner is still sorting them out; they are never left as silent orphans.
/// </summary>
public sealed class RunClaimer(RunAttemptStore attempts, RunnerSettings settings, TimeProvider clock, ILogger<RunClaimer> logger)
{
    private readonly Lock _lock = new();
    // Claims whose fate is unknown: (run, attempt) pairs, since a run may have one from each of two deliveries.
    private readonly HashSet<(Guid RunId, Guid AttemptId)> _unsettled = [];
    // Claims in flight and releases in flight: a release never races a claim of the same attempt.
    private readonly HashSet<(Guid RunId, Guid AttemptId)> _claiming = [];
    private readonly HashSet<(Guid RunId, Guid AttemptId)> _releasing = [];
    private readonly ResiliencePipeline _claim = NarwhalResilience.CreateTimedRetryPipeline("claim", logger, settings.ClaimRetryTime);
    private readonly ResiliencePipeline _release = NarwhalResilience.CreateRetryPipeline("claim-release", logger, maxRetries: 3);

    /// <summary>Runs whose claim by this Runner may have committed but that it is not executing.</summary>
    public IReadOnlyCollection<Guid> UnsettledRunIds
    {
        get
        {
            lock (_lock) return _unsettled.Select(u => u.RunId).Distinct().ToList();
        }
    }

    /// <summary>
    /// Claims the run, retrying transient failures for <see cref="RunnerSettings.ClaimRetryTime"/>.
    /// Throws when it could not; the run is then unsettled, released here or later.
    /// </summary>
    public async Task<RunAttemptStore.TimedClaim> ClaimAsync(Guid runId, CancellationToken ct)
    {
        (Guid RunId, Guid AttemptId) claiming;
        lock (_lock)
        {
            // A redelivery of a run whose earlier claim here may have committed claims under that
            // attempt again — unless that attempt is being released right now: then a new one.
            var reusable = _unsettled.Where(u => u.RunId == runId && !_releasing.Contains(u)).Select(u => u.AttemptId).FirstOrDefault();
            claiming = (runId, reusable == Guid.Empty ? Guid.CreateVersion7() : reusable);
            _claiming.Add(claiming);
        }
        try
        {
            var claim = await _claim.ExecuteAsync(
                async token => await attempts.ClaimTimedAsync(runId, settings.RunnerId, claiming.AttemptId, token), ct);
            // Claimed (the caller executes it), or not this Runner's to run: this attempt is settled.
            lock (_lock) _unsettled.Remove(claiming);
            return claim;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !TransientErrors.IsTransient(ex))
        {
            // Permanent: the same claim would fail again on any Runner, so giving the run back would
            // only loop. If this claim committed, the run ends as an error that says why.
            logger.LogError(ex, "Claiming run {RunId} failed for good", runId);
            lock (_lock)
            {
                _claiming.Remove(claiming);
                _unsettled.Add(claiming);
            }
            await TryEndAsErrorAsync(claiming, ex, ct);
            throw;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Claiming run {RunId} failed; releasing whatever part of the claim committed", runId);
            lock (_lock)
            {
                _claiming.Remove(claiming);
                _unsettled.Add(claiming);
            }
            await TryReleaseAsync(claiming, ct);
            throw;
        }
        finally
        {
            lock (_lock) _claiming.Remove(claiming);
        }
    }

    /// <summary>Releases every unsettled claim the database lets it release now; the rest wait for the next call.</summary>
    public async Task SettleAsync(CancellationToken ct)
    {
        List<(Guid, Guid)> pending;
        lock (_lock) pending = _unsettled.ToList();
        foreach (var unsettled in pending) await TryReleaseAsync(unsettled, ct);
    }

    private async Task TryEndAsErrorAsync((Guid RunId, Guid AttemptId) claim, Exception cause, CancellationToken ct)
    {
        var completion = new RunCompletion { Status = RunStatus.Error, Reason = $"The Runner could not start the run: {cause.Message}" };
        try
        {
            await _release.ExecuteAsync(async token => await attempts.FinishAsync(claim.RunId, claim.AttemptId, completion, token), ct);
            lock (_lock) _unsettled.Remove(claim);
        }
        catch (StaleAttemptException)
        {
            // The claim never committed: nothing of this attempt to end.
            lock (_lock) _unsettled.Remove(claim);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Ending run {RunId} as an error failed; releasing it instead", claim.RunId);
            await TryReleaseAsync(claim, ct);
        }
    }

    private async Task TryReleaseAsync((Guid RunId, Guid AttemptId) claim, CancellationToken ct)
    {
        lock (_lock)
        {
            // Claimed again meanwhile under this very attempt, or already being released: not ours to touch now.
            if (_claiming.Contains(claim) || !_unsettled.Contains(claim) || !_releasing.Add(claim)) return;
        }
        try
        {
            var released = await _release.ExecuteAsync(async token => await attempts.ReleaseAsync(claim.RunId, claim.AttemptId, clock, token), ct);
            lock (_lock) _unsettled.Remove(claim);
            if (released) logger.LogInformation("Run {RunId} released back to its queue (attempt {AttemptId} never started)", claim.RunId, claim.AttemptId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Releasing the claim of run {RunId} failed; retrying at the next control check", claim.RunId);
        }
        finally
        {
            lock (_lock) _releasing.Remove(claim);
        }
    }
}
