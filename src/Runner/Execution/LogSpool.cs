using System.Buffers;
using System.Text;
using Narwhal.Runner.Masking;

namespace Narwhal.Runner.Execution;

/// <summary>
/// The console log of one run, spooled to a temporary file as it arrives so that a job writing
/// gigabytes never grows the Runner's memory; uploaded in one piece when the run ends. Once the
/// run's secrets are known, everything written passes through the masker first: nothing
/// unmasked reaches the file, let alone storage.
/// </summary>
public sealed class LogSpool : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly ArrayBufferWriter<byte> _masked = new(64 * 1024);
    private SecretMasker? _masker;

    public LogSpool(string directory, Guid runId)
    {
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, $"{runId:N}-{Guid.NewGuid():N}.log");
        _file = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
    }

    public string Path { get; }
    public long Length => _file.Length;

    public void UseMasker(SecretMasker masker) => _masker = masker.PatternCount > 0 ? masker : null;

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (_masker is null) return _file.WriteAsync(data, ct);
        _masked.ResetWrittenCount();
        _masker.Write(data.Span, _masked);
        return _file.WriteAsync(_masked.WrittenMemory, ct);
    }

    /// <summary>A line of the Runner's own, marked so it is never mistaken for the job's output.</summary>
    public ValueTask WriteNoticeAsync(string message) =>
        WriteAsync(Encoding.UTF8.GetBytes($"[narwhal] {message}\n"), CancellationToken.None);

    public async Task CompleteAsync()
    {
        if (_masker is not null)
        {
            _masked.ResetWrittenCount();
            _masker.Flush(_masked);
            await _file.WriteAsync(_masked.WrittenMemory);
        }
        await _file.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync();
        try { File.Delete(Path); } catch (IOException) { /* best effort; cleaned at next start */ }
    }
}
