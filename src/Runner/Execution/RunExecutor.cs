using System.Diagnostics;
using Narwhal.Core.Runs;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Fleet;
using Narwhal.Runner.Masking;

namespace Narwhal.Runner.Execution;

/// <summary>
/// Executes one claimed run: plan (fetch, config, secrets), the container phase
/// (<see cref="RunContainers"/>) with its output masked and spooled, the log shipped and stored
/// (<see cref="LogShipper"/>), and the outcome written with the attempt's fence (<see cref="OutcomeRecorder"/>).
/// Owns the run's timers: the set-up limit, then the job's timeout for the script alone.
/// </summary>
public sealed class RunExecutor(
    JobPlanner planner, RunContainers containers, RunLogs logs, OutcomeRecorder outcomes, RunnerSettings settings,
    RunnerMetrics metrics, ActiveSecrets activeSecrets, ILogger<RunExecutor> logger)
{
    public async Task ExecuteAsync(ClaimedRun claimed, RunCancellation cancellation)
    {
        try
        {
            await ExecuteMaskedAsync(claimed, cancellation);
        }
        finally
        {
            // Only now: the Runner's own log lines about this run, to the last one, are masked.
            activeSecrets.Unregister(claimed.Run.Id);
        }
    }

    private async Task ExecuteMaskedAsync(ClaimedRun claimed, RunCancellation cancellation)
    {
        var run = claimed.Run;
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = run.Id, ["Job"] = run.JobName, ["RunNumber"] = run.Number });
        await using var log = logs.Spool(run.Id);
        await using var shipper = logs.Ship(log, claimed);
        var started = Stopwatch.StartNew();
        var timeout = Cap(claimed.Job.TimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : null);
        // Set-up (fetch, image, services, container) has a limit of its own; the job's timeout
        // counts the script alone, from the moment its container starts.
        using var setupTimer = cancellation.TimeoutAfter(settings.SetupTimeout, CancellationReason.SetupTimeout);
        using var scriptTimer = cancellation.TimeoutAfter(Timeout.InfiniteTimeSpan);

        RunCompletion completion;
        try
        {
            var planned = await planner.PlanAsync(claimed, cancellation.Token);
            if (planned.Job is not { } plan)
            {
                // A pipeline: its steps are recorded and released for any Runner; this run has no container of its own.
                setupTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                await log.CompleteAsync();
                await shipper.DrainAsync();
                logger.LogInformation("Run {RunId} is a pipeline of {Steps} steps, recorded for the Runners", run.Id, planned.RecordedSteps);
                return;
            }
            activeSecrets.Register(run.Id, plan.SecretValues);
            log.UseMasker(new SecretMasker(plan.SecretValues));
            foreach (var notice in plan.Notices) await log.WriteNoticeAsync(notice);
            if (plan.Timeout is { } configured) timeout = Cap(configured);
            completion = await containers.RunAsync(claimed, plan, log, cancellation,
                scriptStarted: () =>
                {
                    // A first attempt only: a retried step's needs ended whenever they did, long before.
                    if (claimed.Step is { StepAttempt: 1, SinceNeedsEnded: { } sinceNeeds } && run.Attempt == 1)
                        metrics.StepStartedAfterNeeds(run.ResourceClass, sinceNeeds + started.Elapsed);
                    setupTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    scriptTimer.Change(timeout, Timeout.InfiniteTimeSpan);
                },
                // Collecting results after a script that ended in time is not the script's time.
                scriptEnded: () => scriptTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        }
        catch (OperationCanceledException) when (cancellation.Token.IsCancellationRequested)
        {
            completion = Stopped(cancellation, timeout);
            await log.WriteNoticeAsync(completion.Reason!);
        }
        catch (RunSkippedException ex)
        {
            completion = new RunCompletion { Status = RunStatus.Skipped, Reason = ex.Message };
            await log.WriteNoticeAsync(ex.Message);
        }
        catch (Exception ex) when (ex is RunRefusedException or ImageUnavailableException)
        {
            completion = new RunCompletion { Status = RunStatus.Error, Reason = ex.Message };
            await log.WriteNoticeAsync(ex.Message);
        }
        catch (StaleAttemptException ex)
        {
            logger.LogWarning("{Message} Stopping the run", ex.Message);
            cancellation.Cancel(CancellationReason.Superseded);
            completion = new RunCompletion { Status = RunStatus.Lost, Reason = "Attempt superseded." };
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Run {RunId} failed inside the Runner", run.Id);
            completion = new RunCompletion { Status = RunStatus.Error, Reason = $"Runner error: {ex.Message}" };
            await log.WriteNoticeAsync(completion.Reason);
        }
        setupTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        scriptTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        // The reason is stored and shown: an error message may quote a secret (Docker's refusal of NAME=value).
        if (completion.Reason is { } reason) completion = completion with { Reason = activeSecrets.MaskText(reason) };

        await log.CompleteAsync();
        await shipper.DrainAsync();
        if (cancellation.Reason == CancellationReason.Superseded || shipper.Superseded)
        {
            // Fenced: the run belongs to a newer attempt (or has ended) whose log and results are not
            // this attempt's to overwrite. The finish write below is refused; it is made to record that.
            await outcomes.RecordAsync(claimed, completion);
        }
        else
        {
            var logKey = await shipper.StoreAsync();
            await outcomes.RecordAsync(claimed, completion with { LogKey = logKey, LogSize = log.Length, LogTruncated = log.Truncated });
            await shipper.EndLiveAsync(logKey);
        }
        metrics.RunEnded(run.ResourceClass, completion.Status, started.Elapsed);
        if (claimed.Step is not null) metrics.StepEnded(run.ResourceClass, completion.Status, started.Elapsed);
    }

    /// <summary>The outcome of a run whose token was cancelled, by the first reason given.</summary>
    private RunCompletion Stopped(RunCancellation cancellation, TimeSpan timeout) => cancellation.Reason switch
    {
        CancellationReason.Timeout => new RunCompletion { Status = RunStatus.TimedOut, Reason = $"The script exceeded its timeout of {timeout.TotalSeconds:0} s." },
        CancellationReason.SetupTimeout => new RunCompletion
        {
            Status = RunStatus.TimedOut,
            Reason = $"Set-up (fetch, image, services, container) exceeded the Runner's limit of {settings.SetupTimeout.TotalSeconds:0} s (NARWHAL_RUNNER_SETUP_TIMEOUT_SECONDS).",
        },
        CancellationReason.Abort => new RunCompletion { Status = RunStatus.Aborted, Reason = cancellation.Detail ?? "Aborted." },
        CancellationReason.Superseded => new RunCompletion { Status = RunStatus.Lost, Reason = "Attempt superseded." },
        _ => new RunCompletion { Status = RunStatus.Lost, Reason = "runner shutdown" },
    };

    private TimeSpan Cap(TimeSpan? requested) => requested is { } r && r < settings.MaxJobDuration ? r : settings.MaxJobDuration;
}
