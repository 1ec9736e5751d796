using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Narwhal.Core.Resilience;

/// <summary>
/// Builds the retry pipelines the infrastructure clients (S3, Postgres, RabbitMQ) run their
/// calls through. What is retried is decided by <see cref="TransientErrors.IsTransient"/> only;
/// a call cancelled by its caller's token is never retried.
/// </summary>
public static class NarwhalResilience
{
    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>As many retries as a time budget allows: the budget, not a count, ends them.</summary>
    private const int Unbounded = int.MaxValue - 1;

    /// <summary>No single wait between attempts grows past this, however many retries.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Retries transient failures up to <paramref name="maxRetries"/> times with exponential
    /// backoff and jitter starting at <paramref name="baseDelay"/> (default 200 ms), logging each retry.
    /// </summary>
    public static ResiliencePipeline CreateRetryPipeline(string name, ILogger logger, int maxRetries = 5, TimeSpan? baseDelay = null) =>
        new ResiliencePipelineBuilder { Name = name }
            .AddRetry(Configure<RetryStrategyOptions, object>(new RetryStrategyOptions(), name, logger, maxRetries, baseDelay, retryResult: null))
            .Build();

    /// <summary>
    /// Retries transient failures for as long as <paramref name="budget"/> lasts (then the last
    /// failure, or a <see cref="Polly.Timeout.TimeoutRejectedException"/>, is thrown): for writes
    /// that must not be dropped while the process lives, such as a run's outcome. The waits grow
    /// exponentially from <paramref name="baseDelay"/> to <see cref="MaxDelay"/>.
    /// </summary>
    public static ResiliencePipeline CreateTimedRetryPipeline(string name, ILogger logger, TimeSpan budget, TimeSpan? baseDelay = null)
    {
        if (budget <= TimeSpan.Zero) return CreateRetryPipeline(name, logger, maxRetries: 0);
        return new ResiliencePipelineBuilder { Name = name }
            .AddTimeout(budget)
            .AddRetry(Configure<RetryStrategyOptions, object>(new RetryStrategyOptions(), name, logger, Unbounded, baseDelay, retryResult: null))
            .Build();
    }

    /// <summary>
    /// As <see cref="CreateRetryPipeline(string, ILogger, int, TimeSpan?)"/> for calls returning a
    /// <typeparamref name="T"/>; <paramref name="retryResult"/> optionally marks results (not
    /// exceptions) that deserve another attempt, such as a "busy" reply.
    /// </summary>
    public static ResiliencePipeline<T> CreateRetryPipeline<T>(
        string name, ILogger logger, int maxRetries = 5, TimeSpan? baseDelay = null, Func<T, bool>? retryResult = null) =>
        new ResiliencePipelineBuilder<T> { Name = name }
            .AddRetry(Configure(new RetryStrategyOptions<T>(), name, logger, maxRetries, baseDelay, retryResult))
            .Build();

    private static TOptions Configure<TOptions, T>(
        TOptions options, string name, ILogger logger, int maxRetries, TimeSpan? baseDelay, Func<T, bool>? retryResult)
        where TOptions : RetryStrategyOptions<T>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        var delay = baseDelay ?? DefaultBaseDelay;
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero, nameof(baseDelay));

        // Polly rejects 0 attempts; a pipeline with no retries simply never says "handle".
        options.MaxRetryAttempts = Math.Max(1, maxRetries);
        options.BackoffType = DelayBackoffType.Exponential;
        options.UseJitter = true;
        options.Delay = delay;
        options.MaxDelay = MaxDelay;
        // A call its caller cancelled is over, whatever exception the cancellation surfaced as.
        options.ShouldHandle = args => ValueTask.FromResult(
            maxRetries > 0
            && !args.Context.CancellationToken.IsCancellationRequested
            && args.Outcome switch
            {
                { Exception: { } ex } => TransientErrors.IsTransient(ex),
                { Result: var result } => retryResult is not null && retryResult(result!),
            });
        // AttemptNumber is zero-based: the attempt that just failed is AttemptNumber + 1, and so is the retry about to run.
        // Message templates bind by position, so the retry number, equal to the attempt number, has a name of its own.
        options.OnRetry = args =>
        {
            var attempt = args.AttemptNumber + 1;
            var delayMs = args.RetryDelay.TotalMilliseconds;
            if (maxRetries == Unbounded && args.Outcome.Exception is { } failure)
                logger.LogWarning(RetryWithinBudget, failure,
                    "{Pipeline}: attempt {Attempt} failed with {ExceptionType}: {ExceptionMessage}; retrying in {DelayMs:0} ms while its time lasts",
                    name, attempt, failure.GetType().Name, failure.Message, delayMs);
            else if (args.Outcome.Exception is { } ex)
                logger.LogWarning(RetryAfterException, ex,
                    "{Pipeline}: attempt {Attempt} failed with {ExceptionType}: {ExceptionMessage}; retry {Retry} of {MaxRetries} in {DelayMs:0} ms",
                    name, attempt, ex.GetType().Name, ex.Message, attempt, maxRetries, delayMs);
            else
                logger.LogWarning(RetryAfterResult,
                    "{Pipeline}: attempt {Attempt} returned {Result}; retry {Retry} of {MaxRetries} in {DelayMs:0} ms",
                    name, attempt, args.Outcome.Result?.ToString(), attempt, maxRetries, delayMs);
            return default;
        };
        return options;
    }

    // Event ids (and names) that log queries and alerts may select on.
    private static readonly EventId RetryAfterException = new(9001, "LogRetryAfterException");
    private static readonly EventId RetryAfterResult = new(9002, "LogRetryAfterResult");
    private static readonly EventId RetryWithinBudget = new(9003, "LogRetryWithinBudget");
}
