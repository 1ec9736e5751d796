using Microsoft.Extensions.Logging;
using Narwhal.Core.Resilience;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Resilience;

/// <summary>The retry pipelines: what they retry, how often, how they give up, and what they log.</summary>
[TestFixture]
public sealed class NarwhalResilience_Specs
{
    private static readonly TimeSpan Fast = TimeSpan.FromMilliseconds(1);

    private RecordingLogger _logger = null!;

    [SetUp]
    public void NewLogger() => _logger = new RecordingLogger();

    private List<RecordingLogger.Entry> Warnings => _logger.Entries.Where(e => e.Level == LogLevel.Warning).ToList();

    [Test]
    public async Task When_a_call_fails_transiently_then_succeeds_Should_retry_and_return_its_result()
    {
        var pipeline = NarwhalResilience.CreateRetryPipeline("s3", _logger, maxRetries: 5, baseDelay: Fast);
        var attempts = 0;

        var result = await pipeline.ExecuteAsync(_ =>
        {
            if (++attempts < 3) throw new TimeoutException($"slow #{attempts}");
            return ValueTask.FromResult(42);
        });

        Assert.That(result, Is.EqualTo(42));
        Assert.That(attempts, Is.EqualTo(3));
    }

    [Test]
    public void When_a_call_fails_permanently_Should_throw_after_one_attempt_without_logging_a_retry()
    {
        var pipeline = NarwhalResilience.CreateRetryPipeline("s3", _logger, baseDelay: Fast);
        var attempts = 0;

        Assert.That(async () => await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new ArgumentException("bad key");
        }), Throws.ArgumentException);

        Assert.That(attempts, Is.EqualTo(1));
        Assert.That(Warnings, Is.Empty);
    }

    [Test]
    public void When_transient_failures_persist_Should_give_up_after_maxRetries_with_the_last_failure()
    {
        var pipeline = NarwhalResilience.CreateRetryPipeline("db", _logger, maxRetries: 3, baseDelay: Fast);
        var attempts = 0;

        Assert.That(async () => await pipeline.ExecuteAsync(_ => throw new TimeoutException($"attempt {++attempts}")),
            Throws.TypeOf<TimeoutException>().With.Message.EqualTo("attempt 4"));

        Assert.That(attempts, Is.EqualTo(4), "one call and three retries");
        Assert.That(Warnings, Has.Count.EqualTo(3));
    }

    [Test]
    public void When_maxRetries_is_zero_Should_call_once()
    {
        var pipeline = NarwhalResilience.CreateRetryPipeline("none", _logger, maxRetries: 0, baseDelay: Fast);
        var attempts = 0;

        Assert.That(async () => await pipeline.ExecuteAsync(_ => { attempts++; throw new TimeoutException(); }),
            Throws.TypeOf<TimeoutException>());
        Assert.That(attempts, Is.EqualTo(1));
    }

    [Test]
    public void When_the_caller_has_cancelled_Should_not_retry_even_a_transient_looking_failure()
    {
        var pipeline = NarwhalResilience.CreateRetryPipeline("mq", _logger, baseDelay: Fast);
        using var cancel = new CancellationTokenSource();
        var attempts = 0;

        Assert.That(async () => await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            cancel.Cancel();
            // What a client often surfaces when its socket is torn down by the cancellation.
            throw new IOException("The operation was aborted");
        }, cancel.Token), Throws.InstanceOf<IOException>());

        Assert.That(attempts, Is.EqualTo(1));
    }

    [Test]
    public void When_the_callers_token_cancels_the_call_Should_surface_the_cancellation_once()
    {
        var pipeline = NarwhalResilience.CreateRetryPipeline("mq", _logger, baseDelay: Fast);
        using var cancel = new CancellationTokenSource();
        var attempts = 0;

        Assert.That(async () => await pipeline.ExecuteAsync(async token =>
        {
            attempts++;
            await cancel.CancelAsync();
            token.ThrowIfCancellationRequested();
        }, cancel.Token), Throws.InstanceOf<OperationCanceledException>());

        Assert.That(attempts, Is.EqualTo(1));
    }

    [Test]
    public async Task When_retrying_Should_log_pipeline_attempt_delay_and_exception_as_structured_fields()
    {
        var pipeline = NarwhalResilience.CreateRetryPipeline("s3", _logger, maxRetries: 5, baseDelay: Fast);
        var attempts = 0;

        await pipeline.ExecuteAsync(_ =>
        {
            if (++attempts <= 2) throw new TimeoutException($"slow #{attempts}");
            return ValueTask.CompletedTask;
        });

        var warnings = Warnings;
        Assert.That(warnings, Has.Count.EqualTo(2));
        Assert.That(warnings.Select(w => w.State["Pipeline"]), Is.All.EqualTo("s3"));
        Assert.That(warnings.Select(w => w.State["Attempt"]), Is.EqualTo(new object[] { 1, 2 }));
        Assert.That(warnings.Select(w => w.State["MaxRetries"]), Is.All.EqualTo(5));
        Assert.That(warnings.Select(w => w.State["ExceptionType"]), Is.All.EqualTo(nameof(TimeoutException)));
        Assert.That(warnings.Select(w => w.State["ExceptionMessage"]), Is.EqualTo(new object[] { "slow #1", "slow #2" }));
        Assert.That(warnings.Select(w => w.State["DelayMs"]), Has.All.InstanceOf<double>().And.All.GreaterThanOrEqualTo(0.0));
        Assert.That(warnings.Select(w => w.Exception), Has.All.InstanceOf<TimeoutException>());
    }

    [Test]
    public async Task When_a_typed_call_returns_a_result_marked_for_retry_Should_call_again_until_it_does_not()
    {
        var pipeline = NarwhalResilience.CreateRetryPipeline<string>("busy", _logger, maxRetries: 5, baseDelay: Fast, retryResult: r => r == "busy");
        var answers = new Queue<string>(["busy", "busy", "done"]);

        var result = await pipeline.ExecuteAsync(_ => ValueTask.FromResult(answers.Dequeue()));

        Assert.That(result, Is.EqualTo("done"));
        Assert.That(answers, Is.Empty);
        Assert.That(Warnings.Select(w => w.State["Result"]), Is.EqualTo(new object[] { "busy", "busy" }));
    }

    [Test]
    public async Task When_a_typed_call_throws_transiently_Should_retry_it_too()
    {
        var pipeline = NarwhalResilience.CreateRetryPipeline<int>("typed", _logger, baseDelay: Fast);
        var attempts = 0;

        var result = await pipeline.ExecuteAsync(_ => ++attempts == 1 ? throw new IOException("reset") : ValueTask.FromResult(7));

        Assert.That(result, Is.EqualTo(7));
        Assert.That(attempts, Is.EqualTo(2));
    }
}
