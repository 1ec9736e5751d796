using System.Threading.Channels;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Narwhal.Dispatcher.Github.Statuses;
using Npgsql;

namespace Narwhal.Dispatcher.Github;

/// <summary>
/// Posts the commit statuses the database records (<see cref="CommitStatusStore"/>, migrations/0009)
/// to GitHub. Wakes on the trigger's <c>pg_notify</c> (one LISTEN connection) and polls every
/// <see cref="GithubStatusSettings.PollInterval"/> as a fallback and for retries. A failed post never
/// touches the run: it is tried again with backoff (GitHub's Retry-After honoured) until the give-up
/// time, then dropped with a warning. Without a token it posts nothing and expires what is recorded.
/// </summary>
public sealed class CommitStatusReporter(
    NpgsqlDataSource db, CommitStatusStore store, GithubStatusClient client, GithubStatusSettings settings,
    GithubMetrics metrics, ILogger<CommitStatusReporter> logger) : BackgroundService
{
    private const int BatchSize = 20;
    private const int Parallelism = 4;

    /// <summary>Longer than a post can take (<see cref="GithubStatusPipelineOptions.TotalTimeout"/>): a crashed reporter's claims come free after it.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    /// <summary>Finished updates are kept this long (to look into), then deleted.</summary>
    public static readonly TimeSpan KeepFinished = TimeSpan.FromDays(7);

    private static readonly TimeSpan HousekeepingInterval = TimeSpan.FromMinutes(1);
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private DateTimeOffset _lastHousekeeping = DateTimeOffset.MinValue;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.Enabled)
        {
            logger.LogInformation(Events.Off,
                "Commit statuses are off: NARWHAL_GITHUB_TOKEN is not set. Recorded updates are dropped after {GiveUpMinutes} min",
                settings.GiveUpAfter.TotalMinutes);
            return ExpireLoopAsync(stoppingToken);
        }
        logger.LogInformation(Events.On, "Commit statuses: reporting to {ApiUrl} for repositories on {Host}; links to {PublicUrl}",
            settings.ApiUrl, settings.Host, settings.PublicUrl?.ToString() ?? "none (statuses without a link)");
        var listener = new PostgresListener(db, logger);
        // On every (re)connect, one pass: updates recorded while no one listened announced nothing.
        return Task.WhenAll(
            listener.ListenAsync([CommitStatusStore.Channel], (_, _) => _doorbell.Writer.TryWrite(true), () => _doorbell.Writer.TryWrite(true), stoppingToken),
            DrainLoopAsync(stoppingToken));
    }

    /// <summary>Posts every due update, batch after batch, until none is left. Returns how many were handled.</summary>
    public async Task<int> DrainOnceAsync(CancellationToken ct)
    {
        var handled = 0;
        while (true)
        {
            var claimed = await store.ClaimAsync(BatchSize, Lease, ct);
            if (claimed.Count == 0) return handled;
            await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
                async (update, token) => await ReportAsync(update, token));
            handled += claimed.Count;
        }
    }

    private async Task ReportAsync(CommitStatusUpdate update, CancellationToken ct)
    {
        var repository = RepositoryOf(update);
        if (repository is null)
        {
            var why = update.Trigger.Kind == TriggerKind.Github
                ? $"the trigger names no repository ('{update.Trigger.Github?.Repository}')"
                : $"{update.Job.Git?.Url ?? "the job"} is not a repository on {settings.Host}";
            logger.LogDebug(Events.Skipped, "No commit status for run {RunId} of {Job}: {Why}", update.RunId, update.JobName, why);
            await store.CompleteAsync(update.Id, CommitStatusOutcome.Skipped, why, ct);
            return;
        }

        var status = CommitStatusMapping.From(update, settings.PublicUrl);
        GithubPostResult result;
        try
        {
            result = await client.PostAsync(repository, update.CommitSha, status, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: hand the update back at once rather than leaving it leased.
            await store.RetryLaterAsync(update.Id, TimeSpan.Zero, settings.GiveUpAfter, "interrupted by shutdown", CancellationToken.None);
            throw;
        }

        // Recorded even when the host is stopping: a post GitHub has must not be posted again.
        using var bookkeeping = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var record = bookkeeping.Token;
        switch (result.Outcome)
        {
            case GithubPostOutcome.Posted:
                await store.CompleteAsync(update.Id, CommitStatusOutcome.Posted, null, record);
                metrics.Posted(status.State);
                logger.LogDebug(Events.Posted, "Posted {State} {Context} on {Repository}@{Sha} (run {RunId})",
                    status.State.Name(), status.Context, repository.FullName, update.CommitSha, update.RunId);
                break;
            case GithubPostOutcome.Refused:
                await store.CompleteAsync(update.Id, CommitStatusOutcome.Refused, result.Detail, record);
                metrics.Failed();
                logger.LogWarning(Events.Refused, "GitHub refused the {State} status {Context} on {Repository}@{Sha} (run {RunId}): {Detail}; not retried",
                    status.State.Name(), status.Context, repository.FullName, update.CommitSha, update.RunId, result.Detail);
                break;
            default:
                var delay = result.RetryAfter ?? Backoff(update.Attempts);
                if (await store.RetryLaterAsync(update.Id, delay, settings.GiveUpAfter, result.Detail, record))
                {
                    metrics.Failed();
                    logger.LogWarning(Events.GaveUp,
                        "Gave up posting the {State} status {Context} on {Repository}@{Sha} (run {RunId}) after {Attempts} attempt(s) over {GiveUpMinutes} min: {Detail}",
                        status.State.Name(), status.Context, repository.FullName, update.CommitSha, update.RunId,
                        update.Attempts, settings.GiveUpAfter.TotalMinutes, result.Detail);
                }
                else
                {
                    logger.LogInformation(Events.RetryLater,
                        "Posting the {State} status {Context} on {Repository}@{Sha} (run {RunId}) failed: {Detail}; trying again in {DelaySeconds:0} s",
                        status.State.Name(), status.Context, repository.FullName, update.CommitSha, update.RunId,
                        result.Detail, delay.TotalSeconds);
                }
                break;
        }
    }

    /// <summary>A run from GitHub reports to the repository the webhook came from (also for a fork's pull request: the base repository has its head commit); any other run of a job with github.commitStatuses to its git URL's repository, when that is on the GitHub host.</summary>
    private GithubRepository? RepositoryOf(CommitStatusUpdate update)
    {
        if (update.Trigger.Kind == TriggerKind.Github)
            return GithubRepository.ParseFullName(update.Trigger.Github?.Repository);
        // The job may have turned the option off since the update was recorded: its current setting decides.
        return update.Job.Github?.CommitStatuses == true ? GithubRepository.FromGitUrl(update.Job.Git?.Url, settings.Host) : null;
    }

    /// <summary>5 s, 10 s, 20 s, … up to 5 minutes, with ±20 % jitter so replicas and runs spread out.</summary>
    private static TimeSpan Backoff(int attempts)
    {
        var seconds = Math.Min(5 * Math.Pow(2, Math.Max(0, attempts - 1)), GithubResponses.MaxWait.TotalSeconds);
        return TimeSpan.FromSeconds(seconds * (0.8 + Random.Shared.NextDouble() * 0.4));
    }

    private async Task DrainLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DrainOnceAsync(stoppingToken);
                await HousekeepAsync(expire: false, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Postgres away, say: the updates stay recorded and are posted at a later pass.
                logger.LogWarning(Events.PassFailed, ex, PassFailedMessage);
            }
            await WaitForDoorbellAsync(settings.PollInterval, stoppingToken);
        }
    }

    private async Task ExpireLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await HousekeepAsync(expire: true, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(Events.PassFailed, ex, PassFailedMessage);
            }
            await Task.Delay(HousekeepingInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>At most once a minute: deletes old finished updates; with <paramref name="expire"/> (no token) gives up on old open ones.</summary>
    private async Task HousekeepAsync(bool expire, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        if (now - _lastHousekeeping < HousekeepingInterval) return;
        _lastHousekeeping = now;
        if (expire)
        {
            var expired = await store.ExpireAsync(settings.GiveUpAfter, "not posted: NARWHAL_GITHUB_TOKEN is not set", ct);
            if (expired > 0)
                logger.LogWarning(Events.Expired, "Dropped {Count} commit status update(s) older than {GiveUpMinutes} min: no GitHub token is configured",
                    expired, settings.GiveUpAfter.TotalMinutes);
        }
        await store.PruneAsync(KeepFinished, ct);
    }

    private async Task WaitForDoorbellAsync(TimeSpan timeout, CancellationToken stoppingToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        wait.CancelAfter(timeout);
        try
        {
            await _doorbell.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            // The poll interval passed, or the host is stopping (the loop checks).
        }
    }

    private const string PassFailedMessage = "A commit status pass failed; the updates stay recorded for the next one";

    /// <summary>Event ids (and names) of the reporter's log lines, which log queries and alerts may select on.</summary>
    private static class Events
    {
        public static readonly EventId On = new(6001, "LogOn");
        public static readonly EventId Off = new(6002, "LogOff");
        public static readonly EventId Posted = new(6003, "LogPosted");
        public static readonly EventId Refused = new(6004, "LogRefused");
        public static readonly EventId GaveUp = new(6005, "LogGaveUp");
        public static readonly EventId RetryLater = new(6006, "LogRetryLater");
        public static readonly EventId Skipped = new(6007, "LogSkipped");
        public static readonly EventId Expired = new(6008, "LogExpired");
        public static readonly EventId PassFailed = new(6009, "LogPassFailed");
    }
}
