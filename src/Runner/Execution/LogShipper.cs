using Narwhal.Core.Logs;
using Narwhal.Core.Resilience;
using Narwhal.Core.Storage;

namespace Narwhal.Runner.Execution;

/// <summary>
/// Ships a run's spooled log live, in chunks (sequence, offset, size), behind the job: it reads
/// the spool file from where it left off whenever the spool signals new output (or every quarter
/// second, to pick up what a quiet job wrote last). Appends are idempotent by offset and retried;
/// a chunk that still cannot be shipped is skipped and counted — the live view then has a gap,
/// the stored whole log does not — and it never fails the run. When the run ends, the whole log
/// is stored in the object store (<see cref="StoreAsync"/>), and then the live chunks give way to it
/// (<see cref="EndLiveAsync"/>).
/// </summary>
public sealed class LogShipper : IAsyncDisposable
{
    public const int ChunkBytes = 256 * 1024;
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(250);

    private readonly LogSpool _spool;
    private readonly LogChunkStore _chunks;
    private readonly IObjectStore _store;
    private readonly RunnerSettings _settings;
    private readonly Guid _runId;
    private readonly Guid _attemptId;
    private readonly ILogger _logger;
    private readonly Action<long>? _shippedBytes;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _shipped;
    private int _seq;

    /// <param name="shippedBytes">Told the size of every chunk accepted (the log-bytes-shipped metric).</param>
    public LogShipper(LogSpool spool, LogChunkStore chunks, IObjectStore store, Guid runId, Guid attemptId, RunnerSettings settings, ILogger logger,
        Action<long>? shippedBytes = null)
    {
        _shippedBytes = shippedBytes;
        _spool = spool;
        _chunks = chunks;
        _store = store;
        _settings = settings;
        _runId = runId;
        _attemptId = attemptId;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Where a run's whole console log is stored.</summary>
    public static string ConsoleKey(Guid runId) => $"runs/{runId}/console.log";

    public long ShippedBytes => Interlocked.Read(ref _shipped);
    public int FailedChunks { get; private set; }
    public bool Superseded { get; private set; }

    private async Task RunAsync()
    {
        var pipeline = NarwhalResilience.CreateRetryPipeline("log-chunk", _logger, maxRetries: 4);
        await using var reader = new FileStream(_spool.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
        var buffer = new byte[ChunkBytes];
        var completed = false;
        while (!Superseded)
        {
            if (!completed)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                wait.CancelAfter(Idle);
                try
                {
                    completed = !await _spool.Changes.WaitToReadAsync(wait.Token);
                    while (_spool.Changes.TryRead(out _)) { }
                }
                catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                {
                    // Quiet for a while: ship whatever is buffered.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            await _spool.FlushAsync();
            var available = _spool.Length;
            while (_shipped < available && !Superseded)
            {
                reader.Position = _shipped;
                var read = await reader.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, available - _shipped)));
                if (read == 0) break;
                await ShipAsync(pipeline, buffer.AsMemory(0, read));
            }
            if (completed && _shipped >= _spool.Length) return;
        }
    }

    private async Task ShipAsync(Polly.ResiliencePipeline pipeline, ReadOnlyMemory<byte> data)
    {
        var seq = _seq++;
        try
        {
            var accepted = await pipeline.ExecuteAsync(async ct => await _chunks.AppendAsync(_runId, _attemptId, seq, _shipped, data, ct), _stop.Token);
            if (!accepted)
            {
                Superseded = true;
                _logger.LogWarning("Run {RunId}: the attempt is no longer current; live log shipping stopped", _runId);
                return;
            }
            _shippedBytes?.Invoke(data.Length);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            FailedChunks++;
            _logger.LogWarning(ex, "Run {RunId}: shipping {Bytes} bytes at offset {Offset} failed; the live view skips them (the stored log keeps them)",
                _runId, data.Length, _shipped);
        }
        Interlocked.Add(ref _shipped, data.Length);
    }

    /// <summary>Waits until everything written is shipped (after the spool completed), up to <see cref="RunnerSettings.LogCatchUpTimeout"/>.</summary>
    public async Task DrainAsync()
    {
        var timeout = _settings.LogCatchUpTimeout;
        if (await Task.WhenAny(_loop, Task.Delay(timeout)) != _loop)
        {
            _logger.LogWarning("Run {RunId}: live log shipping did not catch up within {Timeout} s", _runId, timeout.TotalSeconds);
            await _stop.CancelAsync();
        }
        try { await _loop; } catch (OperationCanceledException) { }
    }

    /// <summary>Stores the whole (completed) log; its key, or null when that failed (the run is then reported without it).</summary>
    public async Task<string?> StoreAsync()
    {
        // Not the run's token: a run stopped by timeout or shutdown still gets its log stored.
        using var timeout = new CancellationTokenSource(_settings.LogUploadTimeout);
        try
        {
            var key = ConsoleKey(_runId);
            await _store.PutFileAsync(key, _spool.Path, "text/plain; charset=utf-8", timeout.Token);
            return key;
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Uploading the console log of run {RunId} failed; the run is reported without it", _runId);
            return null;
        }
    }

    /// <summary>Once the whole log is stored, the live chunks go and followers are told the log is complete.</summary>
    public async Task EndLiveAsync(string? storedKey)
    {
        using var timeout = new CancellationTokenSource(_settings.LiveLogEndTimeout);
        try
        {
            // Without a stored log the chunks are all there is: keep them (retention removes them later).
            if (storedKey is not null) await _chunks.DeleteAsync(_runId, timeout.Token);
            await _chunks.NotifyEndAsync(_runId, timeout.Token);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Cleaning up the live log of run {RunId} failed", _runId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _loop; } catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException) { }
        _stop.Dispose();
    }
}
