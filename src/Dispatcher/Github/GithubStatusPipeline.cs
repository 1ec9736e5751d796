using Narwhal.Core.Resilience;
using Polly;
using Polly.Retry;

namespace Narwhal.Dispatcher.Github;

/// <summary>How hard one post tries before the reporter schedules it for later.</summary>
public sealed record GithubStatusPipelineOptions
{
    /// <summary>One HTTP call.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>All attempts and waits of one post; kept well under the reporter's lease.</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public int MaxRetries { get; init; } = 4;

    /// <summary>First backoff (exponential with jitter) when GitHub names no wait.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A longer Retry-After is not waited for in process: the post ends and the reporter schedules it.</summary>
    public TimeSpan MaxInProcessWait { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// The Polly pipeline every GitHub status post goes through: a total timeout, around retries of
/// transient failures (<see cref="GithubResponses.IsRetryable"/> for answers,
/// <see cref="TransientErrors.IsTransient"/> for exceptions) with exponential backoff and jitter —
/// or exactly the wait GitHub asks for (Retry-After, x-ratelimit-reset) — around a per-attempt timeout.
/// </summary>
public static class GithubStatusPipeline
{
    public static ResiliencePipeline<HttpResponseMessage> Create(GithubStatusPipelineOptions options, TimeProvider clock, ILogger logger) =>
        new ResiliencePipelineBuilder<HttpResponseMessage> { Name = "github-statuses" }
            .AddTimeout(options.TotalTimeout)
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxInProcessWait,
                ShouldHandle = args => ValueTask.FromResult(
                    !args.Context.CancellationToken.IsCancellationRequested
                    && args.Outcome switch
                    {
                        { Exception: { } ex } => TransientErrors.IsTransient(ex),
                        { Result: { } response } => GithubResponses.IsRetryable(response)
                            && (GithubResponses.RequestedWait(response, clock) ?? TimeSpan.Zero) <= options.MaxInProcessWait,
                        _ => false,
                    }),
                // GitHub's own wait when it names one; otherwise (null) the exponential backoff.
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result is { } response ? GithubResponses.RequestedWait(response, clock) : null),
                OnRetry = args =>
                {
                    if (args.Outcome.Exception is { } ex)
                        logger.LogWarning(RetryAfterException,
                            "GitHub status post: attempt {Attempt} failed with {ExceptionType}: {ExceptionMessage}; retrying in {DelayMs:0} ms",
                            args.AttemptNumber + 1, ex.GetType().Name, ex.Message, args.RetryDelay.TotalMilliseconds);
                    else
                        logger.LogWarning(RetryAfterAnswer,
                            "GitHub status post: attempt {Attempt} answered {StatusCode}; retrying in {DelayMs:0} ms",
                            args.AttemptNumber + 1, (int)args.Outcome.Result!.StatusCode, args.RetryDelay.TotalMilliseconds);
                    // The answer being retried is not returned to anyone: release its connection.
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();

    // Event ids (and names) that log queries and alerts may select on.
    private static readonly EventId RetryAfterException = new(6101, "LogRetryAfterException");
    private static readonly EventId RetryAfterAnswer = new(6102, "LogRetryAfterAnswer");
}
