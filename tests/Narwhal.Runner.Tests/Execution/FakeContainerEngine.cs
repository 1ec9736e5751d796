using System.Collections.Concurrent;
using System.Text;
using Narwhal.Runner.Docker;

namespace Narwhal.Runner.Tests.Execution;

/// <summary>
/// An in-memory <see cref="IContainerEngine"/> for the run path: containers "run" by printing
/// <see cref="Output"/> and exiting with <see cref="ExitCode"/> (or never exiting until stopped),
/// and every call is recorded, so a spec can say what the Runner asked of the engine and what it left behind.
/// </summary>
internal sealed class FakeContainerEngine : IContainerEngine
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _exits = new();
    private readonly ConcurrentQueue<string> _calls = new();
    private int _containers;

    /// <summary>What every container prints to stdout.</summary>
    public string Output { get; set; } = "";
    public long ExitCode { get; set; }
    /// <summary>The script runs until it is stopped.</summary>
    public bool RunsForever { get; set; }
    /// <summary>Starting a container fails with this.</summary>
    public Exception? StartFailure { get; set; }

    public ConcurrentDictionary<string, ContainerSpec> LiveContainers { get; } = new();
    public ConcurrentDictionary<string, bool> LiveNetworks { get; } = new();
    public IReadOnlyList<string> Calls => [.. _calls];

    public Task<bool> ImageExistsAsync(string image, CancellationToken ct) => Task.FromResult(true);

    public Task EnsureImageAsync(string image, CancellationToken ct) => Record($"ensure-image {image}");

    public Task<string> CreateContainerAsync(ContainerSpec spec, CancellationToken ct)
    {
        var id = $"{Interlocked.Increment(ref _containers):x}".PadLeft(64, 'c');
        LiveContainers[id] = spec;
        _exits[id] = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls.Enqueue($"create {id}");
        return Task.FromResult(id);
    }

    public Task StartContainerAsync(string containerId, CancellationToken ct)
    {
        _calls.Enqueue($"start {containerId}");
        if (StartFailure is { } failure) throw failure;
        if (!RunsForever) _exits[containerId].TrySetResult(ExitCode);
        return Task.CompletedTask;
    }

    public async Task StreamLogsAsync(string containerId, Func<LogFrame, CancellationToken, ValueTask> onOutput, CancellationToken ct)
    {
        if (Output.Length > 0) await onOutput(new LogFrame(LogStream.Stdout, Encoding.UTF8.GetBytes(Output)), ct);
        // Like Docker's follow mode: the stream ends when the container exits.
        await _exits[containerId].Task.WaitAsync(ct);
    }

    public async Task<long> WaitAsync(string containerId, CancellationToken ct)
    {
        _calls.Enqueue($"wait {containerId}");
        return await _exits[containerId].Task.WaitAsync(ct);
    }

    public Task StopAsync(string containerId, TimeSpan grace, CancellationToken ct)
    {
        _calls.Enqueue($"stop {containerId}");
        // SIGTERM, then SIGKILL after the grace: 137.
        if (_exits.TryGetValue(containerId, out var exit)) exit.TrySetResult(137);
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string containerId, CancellationToken ct)
    {
        LiveContainers.TryRemove(containerId, out _);
        return Record($"remove {containerId}");
    }

    public Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<ContainerSummary>>([]);

    public Task<string> CreateNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, bool internalOnly, CancellationToken ct)
    {
        LiveNetworks[name] = true;
        _calls.Enqueue($"create-network {name}");
        return Task.FromResult(name);
    }

    public Task RemoveNetworkAsync(string nameOrId, CancellationToken ct)
    {
        LiveNetworks.TryRemove(nameOrId, out _);
        return Record($"remove-network {nameOrId}");
    }

    public Task<IReadOnlyList<NetworkSummary>> ListNetworksAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<NetworkSummary>>([]);

    public Task PutArchiveAsync(string containerId, string path, Stream tar, CancellationToken ct) => Record($"put-archive {containerId}");

    public Task<Stream?> GetArchiveAsync(string containerId, string path, CancellationToken ct) => Task.FromResult<Stream?>(null);

    public Task<long> ExecAsync(string containerId, IReadOnlyList<string> command, CancellationToken ct) => Task.FromResult(0L);

    public Task<ImageBuildResult> BuildImageAsync(ImageBuildRequest request, Func<string, CancellationToken, ValueTask> onOutput, CancellationToken ct) =>
        throw new NotSupportedException("The run path specs use ready images.");

    public Task RemoveImageAsync(string image, CancellationToken ct) => Record($"remove-image {image}");

    public Task<IReadOnlyList<ImageSummary>> ListImagesAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<ImageSummary>>([]);

    private Task Record(string call)
    {
        _calls.Enqueue(call);
        return Task.CompletedTask;
    }
}
