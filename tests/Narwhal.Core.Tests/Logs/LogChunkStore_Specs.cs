using System.Text;
using Narwhal.Core.Logs;
using Narwhal.Runner.Claiming;
using Narwhal.Testing;
using Npgsql;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Logs;

/// <summary>Live log chunks: idempotent by offset, fenced by attempt, read from any offset, announced to listeners.</summary>
[TestFixture]
public sealed class LogChunkStore_Specs : DatabaseFixture
{
    private LogChunkStore _chunks = null!;
    private RunAttemptStore _attempts = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _chunks = new LogChunkStore(Database.DataSource);
        _attempts = new RunAttemptStore(Database.DataSource);
    }

    private async Task<ClaimedRun> RunningAsync(string job)
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(Database.DataSource, job);
        return (await _attempts.ClaimAsync(run.Id, "r", CancellationToken.None)).Claimed!;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Test]
    public async Task When_the_same_chunk_is_appended_twice_Should_store_it_once()
    {
        var claim = await RunningAsync("idempotent");
        Assert.That(await _chunks.AppendAsync(claim.Run.Id, claim.AttemptId, 0, 0, Bytes("hello "), CancellationToken.None), Is.True);
        Assert.That(await _chunks.AppendAsync(claim.Run.Id, claim.AttemptId, 0, 0, Bytes("hello "), CancellationToken.None), Is.True);
        await _chunks.AppendAsync(claim.Run.Id, claim.AttemptId, 1, 6, Bytes("world"), CancellationToken.None);

        var all = await _chunks.ReadAsync(claim.Run.Id, 0, 1024, CancellationToken.None);
        Assert.That(string.Concat(all.Select(c => Encoding.UTF8.GetString(c.Data))), Is.EqualTo("hello world"));
    }

    [Test]
    public async Task When_reading_from_inside_a_chunk_Should_start_exactly_at_that_byte()
    {
        var claim = await RunningAsync("sliced");
        await _chunks.AppendAsync(claim.Run.Id, claim.AttemptId, 0, 0, Bytes("0123456789"), CancellationToken.None);
        await _chunks.AppendAsync(claim.Run.Id, claim.AttemptId, 1, 10, Bytes("abcdef"), CancellationToken.None);

        var from7 = await _chunks.ReadAsync(claim.Run.Id, 7, 1024, CancellationToken.None);
        Assert.That(from7[0].Offset, Is.EqualTo(7));
        Assert.That(string.Concat(from7.Select(c => Encoding.UTF8.GetString(c.Data))), Is.EqualTo("789abcdef"));
        Assert.That(await _chunks.ReadAsync(claim.Run.Id, 16, 1024, CancellationToken.None), Is.Empty);
    }

    [Test]
    public async Task When_the_attempt_is_superseded_Should_refuse_the_chunk()
    {
        var claim = await RunningAsync("fenced-log");
        await Database.ExecuteAsync("UPDATE runs SET attempt_id = @other WHERE id = @id", new { other = Guid.NewGuid(), id = claim.Run.Id });

        Assert.That(await _chunks.AppendAsync(claim.Run.Id, claim.AttemptId, 0, 0, Bytes("late"), CancellationToken.None), Is.False);
        Assert.That(await _chunks.ReadAsync(claim.Run.Id, 0, 1024, CancellationToken.None), Is.Empty);
    }

    [Test]
    public async Task When_a_chunk_is_appended_Should_notify_listeners_with_the_run_and_end_offset()
    {
        var claim = await RunningAsync("notified");
        await using var listener = await Database.DataSource.OpenConnectionAsync();
        var received = new TaskCompletionSource<string>();
        listener.Notification += (_, e) => received.TrySetResult(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {LogChunkStore.Channel}", listener)) await listen.ExecuteNonQueryAsync();

        await _chunks.AppendAsync(claim.Run.Id, claim.AttemptId, 0, 0, Bytes("ping"), CancellationToken.None);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!received.Task.IsCompleted) await listener.WaitAsync(deadline.Token);

        Assert.That(await received.Task, Is.EqualTo($"{claim.Run.Id}:4"));
    }
}
