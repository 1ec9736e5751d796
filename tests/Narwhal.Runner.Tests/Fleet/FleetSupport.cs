using System.Net.Http.Json;
using System.Text.Json;
using Narwhal.Contracts;
using Narwhal.Core.Messaging;
using Narwhal.Core.Persistence;
using Narwhal.Runner.Fleet;
using Narwhal.Testing;
using RabbitMQ.Client;

namespace Narwhal.Runner.Tests.Fleet;

/// <summary>A CPU reading the test sets; the Runner's CpuMonitor samples it once a second.</summary>
public sealed class FakeCpuSampler(double percent) : ICpuSampler
{
    private double _percent = percent;

    public double Percent
    {
        get => Volatile.Read(ref _percent);
        set => Volatile.Write(ref _percent, value);
    }

    public double Sample() => Percent;
}

/// <summary>A queue of the test's own bound to the heartbeat exchange of a stack's vhost.</summary>
public sealed class HeartbeatTap : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _queue;

    private HeartbeatTap(IConnection connection, IChannel channel, string queue)
    {
        _connection = connection;
        _channel = channel;
        _queue = queue;
    }

    public static async Task<HeartbeatTap> BindAsync(TestStack stack)
    {
        var connection = await new ConnectionFactory { Uri = stack.Vhost.AmqpUrl }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        await FleetTopology.DeclareExchangeAsync(channel, CancellationToken.None);
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        await channel.QueueBindAsync(queue.QueueName, FleetTopology.HeartbeatExchange, routingKey: "");
        return new HeartbeatTap(connection, channel, queue.QueueName);
    }

    /// <summary>The next heartbeat that matches, discarding the others.</summary>
    public async Task<RunnerHeartbeat> NextAsync(Func<RunnerHeartbeat, bool> matches, string what, TimeSpan? timeout = null) =>
        (await Eventually.UntilAsync(async () =>
        {
            var message = await _channel.BasicGetAsync(_queue, autoAck: true);
            return message is null ? null : JsonSerializer.Deserialize<RunnerHeartbeat>(message.Body.Span, Json.Options);
        }, heartbeat => heartbeat is not null && matches(heartbeat), what, timeout ?? TimeSpan.FromSeconds(30)))!;

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        await _connection.DisposeAsync();
    }
}

public static class FleetTestExtensions
{
    public static Dictionary<string, string?> Settings(params (string Key, string Value)[] settings) =>
        settings.ToDictionary(s => s.Key, s => (string?)s.Value);

    /// <summary>A freestyle job of the given resource class on the test image.</summary>
    public static async Task PutClassJobAsync(this HttpClient client, string name, string resourceClass, params string[] script)
    {
        var response = await client.PutAsJsonAsync($"/jobs/{name}",
            new { type = "freestyle", image = TestEnvironment.BusyboxImage, script, resourceClass }, Json.Options);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"PUT /jobs/{name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public static async Task<Guid> TriggerIdAsync(this HttpClient client, string job) => Guid.Parse((await client.TriggerAsync(job)).Str("id"));

    public sealed class RunState
    {
        public string Status { get; init; } = "";
        public string? RunnerId { get; init; }
        public Guid? AttemptId { get; init; }
        public DateTime? StartedAt { get; init; }
        public string? LogKey { get; init; }
        public DateTime? FinishedAt { get; init; }

        public override string ToString() => $"{Status} on {RunnerId ?? "no runner"}";
    }

    /// <summary>The run's row as the database has it (the truth the fencing tests compare with).</summary>
    public static async Task<RunState> RunStateAsync(this TestStack stack, Guid runId)
    {
        await using var connection = await stack.Database.DataSource.OpenConnectionAsync();
        return await Dapper.SqlMapper.QuerySingleAsync<RunState>(connection,
            "SELECT status, runner_id AS RunnerId, attempt_id AS AttemptId, started_at AS StartedAt, log_key AS LogKey, finished_at AS FinishedAt FROM runs WHERE id = @runId",
            new { runId });
    }

    public static Task<RunState> UntilRunAsync(this TestStack stack, Guid runId, Func<RunState, bool> done, string what, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => stack.RunStateAsync(runId), done, what, timeout);

    public static Task<RunState> UntilRunningAsync(this TestStack stack, Guid runId) =>
        stack.UntilRunAsync(runId, r => r.Status == "running", $"run {runId} to be claimed");

    public static Task<RunState> UntilEndedAsync(this TestStack stack, Guid runId, TimeSpan? timeout = null) =>
        stack.UntilRunAsync(runId, r => r.Status is not ("waiting" or "queued" or "running"), $"run {runId} to end", timeout ?? TimeSpan.FromSeconds(120));
}
