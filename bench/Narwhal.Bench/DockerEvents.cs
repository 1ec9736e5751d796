using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;

namespace Narwhal.Bench;

/// <summary>One container event from the Docker events API.</summary>
public sealed record DockerEvent(string Action, string ContainerId, long TimeNano, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// Follows <c>GET /events</c> (container start and die events of one instance label) over the
/// engine's socket and keeps, per key (the value of one label such as <c>org.narwhal.run-id</c>, or
/// one made of several labels), the first event of each action. Waiters get the event whether it arrived before or after they ask.
/// It also counts every event per key and action (<see cref="Counts"/>): a container started twice
/// for one run shows as a count of 2.
/// </summary>
public sealed class DockerEventStream : IAsyncDisposable
{
    private readonly DockerClient _docker;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<(string Key, string Action), TaskCompletionSource<DockerEvent>> _events = new();
    private readonly ConcurrentDictionary<(string Key, string Action), int> _counts = new();
    private readonly Func<IReadOnlyDictionary<string, string>, string?> _keyOf;
    private Task _pump = Task.CompletedTask;
    private volatile Exception? _failure;
    private int _received;

    private DockerEventStream(string dockerHost, string instance, string keyLabel, Func<IReadOnlyDictionary<string, string>, string?> keyOf)
    {
        _docker = DockerClientFactory.Create(dockerHost);
        Instance = instance;
        KeyLabel = keyLabel;
        _keyOf = keyOf;
    }

    public string Instance { get; }
    /// <summary>What the key is (a label's name), for messages.</summary>
    public string KeyLabel { get; }
    public int Received => Volatile.Read(ref _received);
    /// <summary>Why the stream stopped delivering, if it did.</summary>
    public Exception? Failure => _failure;

    /// <summary>Subscribes to start/die events of containers labelled <c>org.narwhal.instance=<paramref name="instance"/></c>.</summary>
    public static Task<DockerEventStream> OpenAsync(string dockerHost, string instance, string keyLabel, CancellationToken ct) =>
        OpenAsync(dockerHost, instance, keyLabel, labels => labels.TryGetValue(keyLabel, out var key) ? key : null, ct);

    /// <summary>
    /// As <see cref="OpenAsync(string, string, string, CancellationToken)"/>, keyed by what <paramref name="keyOf"/> makes of a
    /// container's labels (null: not counted); <paramref name="keyName"/> says what that key is.
    /// </summary>
    public static async Task<DockerEventStream> OpenAsync(string dockerHost, string instance, string keyName,
        Func<IReadOnlyDictionary<string, string>, string?> keyOf, CancellationToken ct)
    {
        var events = new DockerEventStream(dockerHost, instance, keyName, keyOf);
        var filters = new Dictionary<string, IDictionary<string, bool>>
        {
            ["type"] = new Dictionary<string, bool> { ["container"] = true },
            ["event"] = new Dictionary<string, bool> { ["start"] = true, ["die"] = true },
            ["label"] = new Dictionary<string, bool> { [$"{RunLabels.Instance}={instance}"] = true },
        };
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(ct);
        connect.CancelAfter(TimeSpan.FromSeconds(15));
        Stream stream;
        try
        {
            // The stream overload returns once the engine has answered, that is once the subscription holds:
            // no event of a container started after OpenAsync returns can be missed. The progress overload does not say when.
#pragma warning disable CS0618
            stream = await events._docker.System.MonitorEventsAsync(new ContainerEventsParameters { Filters = filters }, connect.Token);
#pragma warning restore CS0618
        }
        catch (DockerApiException ex)
        {
            await events.DisposeAsync();
            throw new InvalidOperationException($"The Docker events API answered {(int)ex.StatusCode}: {ex.ResponseBody?.Trim()}", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            await events.DisposeAsync();
            throw new InvalidOperationException($"Could not subscribe to the Docker events API at {dockerHost}: {ex.Message}", ex);
        }
        events._pump = Task.Run(() => events.PumpAsync(stream), CancellationToken.None); // the pump ends when the stream is disposed
        return events;
    }

    /// <summary>The first <paramref name="action"/> event ("start", "die") of the container whose key label is <paramref name="key"/>.</summary>
    public async Task<DockerEvent> WaitAsync(string key, string action, TimeSpan timeout, CancellationToken ct)
    {
        if (_failure is { } failure) throw new InvalidOperationException($"The Docker events stream failed: {failure.Message}", failure);
        try
        {
            return await Slot(key, action).Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No Docker '{action}' event for {KeyLabel}={key} within {timeout.TotalSeconds:0} s " +
                $"({Received} event(s) of instance {Instance} received so far{(_failure is null ? "" : $"; stream failed: {_failure.Message}")}).");
        }
    }

    /// <summary>The first <paramref name="action"/> event of <paramref name="key"/> if it has arrived, else null (no waiting).</summary>
    public DockerEvent? First(string key, string action) =>
        _events.TryGetValue((key, action), out var slot) && slot.Task.IsCompletedSuccessfully ? slot.Task.Result : null;

    /// <summary>Events are delivered a little after they happen: waits (at most <paramref name="limit"/>) until every key's first <paramref name="action"/> event has arrived.</summary>
    public async Task SettleAsync(IReadOnlyCollection<string> keys, string action, TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (clock.Elapsed < limit && _failure is null && keys.Any(key => First(key, action) is null))
            await timer.WaitForNextTickAsync(ct);
    }

    /// <summary>How many <paramref name="action"/> events arrived so far, per key (keys without one are absent).</summary>
    public Dictionary<string, int> Counts(string action) =>
        _counts.Where(c => c.Key.Action == action).ToDictionary(c => c.Key.Key, c => c.Value, StringComparer.Ordinal);

    private TaskCompletionSource<DockerEvent> Slot(string key, string action) =>
        _events.GetOrAdd((key, action), _ => new TaskCompletionSource<DockerEvent>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task PumpAsync(Stream body)
    {
        try
        {
            using var reader = new StreamReader(body);
            // The engine writes one JSON object per line.
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                var ev = Parse(line);
                if (ev is null || _keyOf(ev.Attributes) is not { } key) continue;
                Interlocked.Increment(ref _received);
                _counts.AddOrUpdate((key, ev.Action), 1, (_, n) => n + 1);
                Slot(key, ev.Action).TrySetResult(ev);
            }
            if (!_stop.IsCancellationRequested) throw new IOException("the engine closed the events stream");
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _failure = ex;
            foreach (var slot in _events.Values) slot.TrySetException(new InvalidOperationException($"The Docker events stream failed: {ex.Message}", ex));
        }
        finally
        {
            await body.DisposeAsync();
        }
    }

    private static DockerEvent? Parse(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        if (!root.TryGetProperty("Action", out var action) || !root.TryGetProperty("timeNano", out var timeNano)) return null;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var id = "";
        if (root.TryGetProperty("Actor", out var actor))
        {
            if (actor.TryGetProperty("ID", out var actorId)) id = actorId.GetString() ?? "";
            if (actor.TryGetProperty("Attributes", out var attrs) && attrs.ValueKind == JsonValueKind.Object)
                foreach (var attr in attrs.EnumerateObject())
                    attributes[attr.Name] = attr.Value.ValueKind == JsonValueKind.String ? attr.Value.GetString()! : attr.Value.GetRawText();
        }
        return new DockerEvent(action.GetString() ?? "", id, timeNano.GetInt64(), attributes);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _pump.WaitAsync(TimeSpan.FromSeconds(5)); } catch { /* ended or stuck; the client is disposed next */ }
        _docker.Dispose();
        _stop.Dispose();
    }
}
