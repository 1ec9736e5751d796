using System.Buffers;
using System.Text;
using System.Threading.Channels;
using Narwhal.Runner.Masking;

namespace Narwhal.Runner.Execution;

/// <summary>
/// The console log of one run, spooled to a temporary file as it arrives, so a job writing
/// gigabytes never grows the Runner's memory and writing never waits for the network: the
/// <see cref="LogShipper"/> reads the file behind it, ships it live, and uploads the whole file
/// when the run ends. Once the run's secrets are known, everything written passes through
/// the masker first: nothing unmasked reaches the file. Beyond the size limit output is dropped and
/// one explicit marker says so (<see cref="Truncated"/>).
/// </summary>
public sealed class LogSpool : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly long _maxBytes;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _masked = new(64 * 1024);
    // Capacity 1, newest wins: the shipper only needs to know "there is more", never each write.
    private readonly Channel<long> _changes = Channel.CreateBounded<long>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private SecretMasker? _masker;
    private long _written;

    public LogSpool(string directory, Guid runId, long maxBytes)
    {
        Directory.CreateDirectory(directory);
        _maxBytes = maxBytes;
        Path = System.IO.Path.Combine(directory, $"{runId:N}-{Guid.NewGuid():N}.log");
        _file = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
    }

    public string Path { get; }

    /// <summary>Bytes in the log so far (after masking, marker included).</summary>
    public long Length => Interlocked.Read(ref _written);

    public bool Truncated { get; private set; }

    public ChannelReader<long> Changes => _changes.Reader;

    public void UseMasker(SecretMasker masker) => _masker = masker.PatternCount > 0 ? masker : null;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            if (Truncated) return;
            var bytes = data;
            if (_masker is not null)
            {
                _masked.ResetWrittenCount();
                _masker.Write(data.Span, _masked);
                bytes = _masked.WrittenMemory;
            }
            await AppendLimitedAsync(bytes, ct);
        }
        finally
        {
            _lock.Release();
        }
        _changes.Writer.TryWrite(Length);
    }

    private async ValueTask AppendLimitedAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        var room = _maxBytes - _written;
        if (bytes.Length <= room)
        {
            await AppendAsync(bytes, ct);
            return;
        }
        await AppendAsync(bytes[..(int)Math.Max(0, room)], ct);
        Truncated = true;
        await AppendAsync(Encoding.UTF8.GetBytes(
            $"\n[narwhal] The log reached its limit of {_maxBytes / 1_048_576.0:0.##} MiB (NARWHAL_LOG_MAX_MB); further output was dropped.\n"), ct);
    }

    private async ValueTask AppendAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        await _file.WriteAsync(bytes, ct);
        Interlocked.Add(ref _written, bytes.Length);
    }

    /// <summary>
    /// A line of the Runner's own, marked so it is never mistaken for the job's output; written even past the limit.
    /// Masked too: a notice can quote an engine error or a file name that carries a secret.
    /// </summary>
    public async ValueTask WriteNoticeAsync(string message)
    {
        await _lock.WaitAsync();
        try
        {
            var masked = _masker?.MaskText(message) ?? message;
            await AppendAsync(Encoding.UTF8.GetBytes($"[narwhal] {masked}\n"), CancellationToken.None);
        }
        finally
        {
            _lock.Release();
        }
        _changes.Writer.TryWrite(Length);
    }

    /// <summary>Makes everything written so far readable from the file by the shipper.</summary>
    public async Task FlushAsync()
    {
        await _lock.WaitAsync();
        try { await _file.FlushAsync(); }
        finally { _lock.Release(); }
    }

    /// <summary>No more output: releases what the masker held back and flushes.</summary>
    public async Task CompleteAsync()
    {
        await _lock.WaitAsync();
        try
        {
            if (_masker is not null && !Truncated)
            {
                _masked.ResetWrittenCount();
                _masker.Flush(_masked);
                await AppendLimitedAsync(_masked.WrittenMemory, CancellationToken.None);
            }
            await _file.FlushAsync();
        }
        finally
        {
            _lock.Release();
        }
        _changes.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        _changes.Writer.TryComplete();
        await _file.DisposeAsync();
        _lock.Dispose();
        try { File.Delete(Path); } catch (IOException) { /* best effort; cleaned at next start */ }
    }
}
