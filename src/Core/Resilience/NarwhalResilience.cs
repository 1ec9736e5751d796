using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Narwhal.Core.Resilience;

/// <summary>
/// Builds the retry pipelines the infrastructure clients (S3, Postgres, RabbitMQ) run their
/// calls through. What is retried is decided by <see cref="TransientErrors.IsTransient"/> only;
/// a call cancelled by its caller's token is never retried.
/// </summary>
public static partial class NarwhalResilience
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
        options.OnRetry = args =>
        {
            if (maxRetries == Unbounded && args.Outcome.Exception is { } failure)
                LogRetryWithinBudget(logger, failure, name, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, failure.GetType().Name, failure.Message);
            else if (args.Outcome.Exception is { } ex)
                LogRetryAfterException(logger, ex, name, args.AttemptNumber + 1, maxRetries, args.RetryDelay.TotalMilliseconds, ex.GetType().Name, ex.Message);
            else
                LogRetryAfterResult(logger, name, args.AttemptNumber + 1, maxRetries, args.RetryDelay.TotalMilliseconds, args.Outcome.Result?.ToString());
            return default;
        };
        return options;
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning,
        Message = "{Pipeline}: attempt {Attempt} failed with {ExceptionType}: {ExceptionMessage}; retry {Attempt} of {MaxRetries} in {DelayMs:0} ms")]
    private static partial void LogRetryAfterException(ILogger logger, Exception exception, string pipeline, int attempt, int maxRetries, double delayMs, string exceptionType, string exceptionMessage);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Warning,
        Message = "{Pipeline}: attempt {Attempt} failed with {ExceptionType}: {ExceptionMessage}; retrying in {DelayMs:0} ms while its time lasts")]
    private static partial void LogRetryWithinBudget(ILogger logger, Exception exception, string pipeline, int attempt, double delayMs, string exceptionType, string exceptionMessage);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning,
        Message = "{Pipeline}: attempt {Attempt} returned {Result}; retry {Attempt} of {MaxRetries} in {DelayMs:0} ms")]
    private static partial void LogRetryAfterResult(ILogger logger, string pipeline, int attempt, int maxRetries, double delayMs, string? result);
}
