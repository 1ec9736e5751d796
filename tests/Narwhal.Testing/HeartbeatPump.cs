using Dapper;
using Narwhal.Contracts;
using Narwhal.Core.Messaging;
using Narwhal.Core.Runs;
using RabbitMQ.Client;

namespace Narwhal.Testing;

/// <summary>
/// Publishes heartbeats for one Runner id on the stack's broker, every <see cref="Interval"/>,
/// reporting as running what the database says that Runner runs: a fake Runner for registry and
/// autoscale tests. Stopping it is the Runner falling silent.
/// </summary>
public sealed class HeartbeatPump : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly TestStack _stack;
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _sequence;

    private HeartbeatPump(TestStack stack, IConnection connection, IChannel channel, string runnerId, IReadOnlyList<string> classes)
    {
        _stack = stack;
        _connection = connection;
        _channel = channel;
        RunnerId = runnerId;
        Classes = classes;
        _loop = Task.Run(LoopAsync);
    }

    public string RunnerId { get; }
    public IReadOnlyList<string> Classes { get; }
    public bool Draining { get; set; }

    public static async Task<HeartbeatPump> StartAsync(TestStack stack, string runnerId, params string[] classes)
    {
        var connection = await new ConnectionFactory { Uri = stack.Vhost.AmqpUrl }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        await FleetTopology.DeclareExchangeAsync(channel, CancellationToken.None);
        return new HeartbeatPump(stack, connection, channel, runnerId, classes.Length == 0 ? ["small"] : classes);
    }

    /// <summary>Publishes any bytes on the heartbeat exchange (malformed-message tests).</summary>
    public static async Task PublishRawAsync(TestStack stack, byte[] body)
    {
        await using var connection = await new ConnectionFactory { Uri = stack.Vhost.AmqpUrl }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await FleetTopology.DeclareExchangeAsync(channel, CancellationToken.None);
        await channel.BasicPublishAsync(FleetTopology.HeartbeatExchange, "", mandatory: false, new BasicProperties(), body);
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await SendAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The next tick tries again, like a Runner.
                TestContextLog($"heartbeat of {RunnerId} failed: {ex.Message}");
            }
        } while (await timer.WaitForNextTickAsync(_stop.Token).AsTask().ContinueWith(t => t is { IsCompletedSuccessfully: true, Result: true }));
    }

    private async Task SendAsync()
    {
        await using var connection = await _stack.Database.DataSource.OpenConnectionAsync();
        var running = (await connection.QueryAsync<Guid>(
            "SELECT id FROM runs WHERE runner_id = @RunnerId AND status = @running", new { RunnerId, running = RunStatus.Running.Name() })).ToList();
        var heartbeat = Heartbeats.Of(RunnerId, Interlocked.Increment(ref _sequence), draining: Draining, running: running, classes: Classes) with
        {
            Host = "heartbeat-pump",
            CpuPercent = 0,
            MemoryUsedBytes = 0,
            MemoryTotalBytes = 0,
            Quota = new RunnerQuota(2, 2, 2048, 2048),
        };
        await FleetTopology.PublishHeartbeatAsync(_channel, heartbeat, CancellationToken.None);
    }

    private static void TestContextLog(string line) => NUnit.Framework.TestContext.Progress.WriteLine(line);

    /// <summary>The Runner falls silent.</summary>
    public async Task StopAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync();
        await _loop;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
        _stop.Dispose();
    }
}
