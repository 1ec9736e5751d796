using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Core.Persistence;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Persistence;

/// <summary>
/// The shared LISTEN connection on a real Postgres: notifications reach the consumer, a killed connection is
/// replaced and the consumer is told (so it can look for what it missed), cancellation ends it cleanly.
/// </summary>
[TestFixture]
public sealed class PostgresListener_Specs
{
    private const string Channel = "narwhal_listener_spec";
    private TestDatabase _db = null!;

    [OneTimeSetUp]
    public async Task CreateDatabase() => _db = await TestDatabase.CreateAsync(migrate: false);

    [OneTimeTearDown]
    public async Task DropDatabase() => await _db.DisposeAsync();

    /// <summary>A listener running in the background, with what it has handed over so far.</summary>
    private sealed class Consumer : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private int _listening;

        public Consumer(TestDatabase db)
        {
            var listener = new PostgresListener(db.DataSource, NullLogger.Instance, firstRetry: TimeSpan.FromMilliseconds(50));
            Running = listener.ListenAsync([Channel], (channel, payload) => Received.Enqueue((channel, payload)),
                () => Interlocked.Increment(ref _listening), _stop.Token);
        }

        public ConcurrentQueue<(string Channel, string Payload)> Received { get; } = new();
        public int Listening => Volatile.Read(ref _listening);
        public Task Running { get; }

        public void Stop() => _stop.Cancel();

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Running;
            _stop.Dispose();
        }
    }

    private Task NotifyAsync(string payload) => _db.ExecuteAsync("SELECT pg_notify(@Channel, @payload)", new { Channel, payload });

    private Task UntilListeningAsync(Consumer consumer, int times) =>
        Eventually.UntilAsync(() => Task.FromResult(consumer.Listening >= times), $"LISTEN in place {times} time(s)", TimeSpan.FromSeconds(30));

    private static Task UntilReceivedAsync(Consumer consumer, string payload) =>
        Eventually.UntilAsync(() => Task.FromResult(consumer.Received.Any(n => n.Payload == payload)), $"the notification '{payload}'", TimeSpan.FromSeconds(30));

    [Test]
    public async Task When_a_notification_is_sent_on_the_channel_Should_hand_it_to_the_consumer()
    {
        await using var consumer = new Consumer(_db);
        await UntilListeningAsync(consumer, 1);

        await NotifyAsync("hello");

        await UntilReceivedAsync(consumer, "hello");
        Assert.That(consumer.Received.Single(n => n.Payload == "hello").Channel, Is.EqualTo(Channel));
        Assert.That(consumer.Listening, Is.EqualTo(1), "told once: nothing was lost");
    }

    [Test]
    public async Task When_the_connection_is_killed_Should_reconnect_tell_the_consumer_and_hear_later_notifications()
    {
        await using var consumer = new Consumer(_db);
        await UntilListeningAsync(consumer, 1);

        var killed = await _db.ScalarAsync<int>(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity " +
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%') AS t");
        Assert.That(killed, Is.EqualTo(1), "the listening backend was found and terminated");

        await UntilListeningAsync(consumer, 2);
        await NotifyAsync("after the reconnect");
        await UntilReceivedAsync(consumer, "after the reconnect");
        Assert.That(consumer.Running.IsCompleted, Is.False, "a lost connection does not end the listener");
    }

    [Test]
    public async Task When_cancelled_Should_return_without_an_error()
    {
        var consumer = new Consumer(_db);
        await UntilListeningAsync(consumer, 1);

        consumer.Stop();

        var finished = await Task.WhenAny(consumer.Running, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.That(finished, Is.SameAs(consumer.Running), "ListenAsync returned after cancellation");
        Assert.That(consumer.Running.IsCompletedSuccessfully, Is.True, "cancellation is the normal end, not an exception");
        await consumer.DisposeAsync();
    }
}
