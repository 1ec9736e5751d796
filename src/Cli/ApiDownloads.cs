namespace Narwhal.Cli;

/// <summary>
/// Downloads streamed from the API straight to disk (never whole in memory), through the same
/// connection, token and handler as the <see cref="ApiClient"/> they extend; and the one place
/// a server-given relative path is turned into a file path.
/// </summary>
public static class ApiDownloads
{
    /// <summary>
    /// GETs <paramref name="path"/> and streams the body into <paramref name="file"/> (written as
    /// FILE.part, renamed when complete); returns its size. Error answers throw as the other calls do.
    /// </summary>
    public static async Task<long> DownloadToFileAsync(this ApiClient client, string path, string file, CancellationToken ct)
    {
        using var response = await client.GetStreamAsync(path, ct);

        var partial = file + ".part";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            await using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            await using (var input = await response.Content.ReadAsStreamAsync(ct))
                await input.CopyToAsync(output, ct);
            File.Move(partial, file, overwrite: true);
        }
        catch (Exception e)
        {
            if (File.Exists(partial)) File.Delete(partial);
            if (e is HttpRequestException or HttpIOException || e.InnerException is System.Net.Sockets.SocketException)
                throw new CliException(ExitCodes.Connection, $"lost connection to {client.BaseUrl} while downloading {path}: {ApiClient.Reason(e)}");
            if (e is IOException or UnauthorizedAccessException) throw new CliException(ExitCodes.Usage, $"cannot write {file}: {e.Message}");
            throw;
        }
        return new FileInfo(file).Length;
    }

    /// <summary>
    /// The file under <paramref name="root"/> a server-given relative path (an artifact's) names, or
    /// null when it would land outside it: absolute, '..', '.', empty segments, '\' or control characters.
    /// </summary>
    public static string? FileInside(string root, string relative)
    {
        if (string.IsNullOrEmpty(relative) || relative.Any(char.IsControl) || relative.Contains('\\') || Path.IsPathRooted(relative)) return null;
        if (OperatingSystem.IsWindows() && relative.Contains(':')) return null; // drive letters, alternate data streams
        if (relative.Split('/').Any(segment => segment is "" or "." or "..")) return null;
        var rootFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(rootFull, relative));
        return full.StartsWith(rootFull, StringComparison.Ordinal) ? full : null;
    }

    /// <summary>The path of a relative artifact path in a URL: each segment escaped, the slashes kept.</summary>
    public static string EscapePath(string relative) => string.Join('/', relative.Split('/').Select(Uri.EscapeDataString));

    /// <summary>"812 B", "3.4 KiB", "12.0 MiB".</summary>
    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.0} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.0} GiB",
    };
}
