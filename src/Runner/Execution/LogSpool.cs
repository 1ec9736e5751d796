namespace Narwhal.Runner.Execution;

/// <summary>
/// The console log of one run, spooled to a temporary file as it arrives so that a job writing
/// gigabytes never grows the Runner's memory; uploaded in one piece when the run ends.
/// </summary>
public sealed class LogSpool : IAsyncDisposable
{
    private readonly FileStream _file;

    public LogSpool(string directory, Guid runId)
    {
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, $"{runId:N}-{Guid.NewGuid():N}.log");
        _file = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
    }

    public string Path { get; }
    public long Length => _file.Length;

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct) => _file.WriteAsync(data, ct);

    /// <summary>A line of the Runner's own, marked so it is never mistaken for the job's output.</summary>
    public ValueTask WriteNoticeAsync(string message) =>
        _file.WriteAsync(System.Text.Encoding.UTF8.GetBytes($"\n[narwhal] {message}\n"));

    public async Task CompleteAsync() => await _file.FlushAsync();

    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync();
        try { File.Delete(Path); } catch (IOException) { /* best effort; cleaned at next start */ }
    }
}
