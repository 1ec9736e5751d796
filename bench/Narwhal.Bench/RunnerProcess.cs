using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Narwhal.Bench;

/// <summary>
/// A Runner as a process of its own (<c>dotnet Narwhal.Runner.dll</c>), configured only through
/// environment variables like a deployed one. Its output goes to a log file. It is stopped with
/// SIGTERM (the Runner's graceful shutdown), and killed only if it does not exit in time. While
/// it lives, "&lt;pid&gt; &lt;instance&gt;" is in a pid file, so bench/run.sh can stop it and remove
/// its containers even if this process is killed.
/// </summary>
public sealed partial class RunnerProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly string _pidFile;
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly EventHandler _onExit;
    private (int? ExitCode, double Seconds, bool Killed)? _stopped;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"Now listening on: (\S+)")]
    private static partial Regex ListeningLine();

    private RunnerProcess(Process process, StreamWriter log, string pidFile)
    {
        _process = process;
        _log = log;
        _pidFile = pidFile;
        // If this process ends without stopping the Runner (SIGTERM from `timeout`, an unhandled error): do not leave it behind.
        _onExit = (_, _) =>
        {
            try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch { /* gone */ }
        };
        AppDomain.CurrentDomain.ProcessExit += _onExit;
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public string CommandLine { get; private init; } = "";

    /// <summary>The dotnet host running this benchmark (so the Runner gets the same runtime), else `dotnet` from PATH.</summary>
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    public static RunnerProcess Start(string runnerDll, IReadOnlyDictionary<string, string?> settings, string logPath, string pidFile, string instance)
    {
        if (!File.Exists(runnerDll)) throw new FileNotFoundException($"The Runner build is missing: {runnerDll} (bench/run.sh builds it).", runnerDll);
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(runnerDll);
        // Only the stack's settings: nothing NARWHAL_* inherited from the shell (services.sh env sets some).
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("NARWHAL_", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(key);
        foreach (var (key, value) in settings) info.Environment[key] = value;

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        log.WriteLine($"# {DateTime.UtcNow:O} {info.FileName} {runnerDll}");
        foreach (var (key, value) in settings.OrderBy(s => s.Key))
            log.WriteLine($"#   {key}={(key.Contains("SECRET") || key.Contains("KEYS") ? "***" : value)}");
        var process = Process.Start(info) ?? throw new InvalidOperationException("The Runner process did not start.");
        var runner = new RunnerProcess(process, log, pidFile) { CommandLine = $"{info.FileName} {runnerDll}" };
        process.OutputDataReceived += (_, e) => runner.OnLine(e.Data, "");
        process.ErrorDataReceived += (_, e) => runner.OnLine(e.Data, "stderr: ");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        File.WriteAllText(pidFile, $"{process.Id} {instance}\n");
        return runner;
    }

    private void OnLine(string? line, string prefix)
    {
        if (line is null) return;
        lock (_log) _log.WriteLine(prefix + line);
        if (ListeningLine().Match(line) is { Success: true } match && Uri.TryCreate(match.Groups[1].Value, UriKind.Absolute, out var uri))
            _listening.TrySetResult(uri);
    }

    /// <summary>Waits until the Runner listens (its "Now listening on" line) and /health/ready answers 200 (it consumes its queue).</summary>
    public async Task<Uri> WaitReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var exited = _process.WaitForExitAsync(deadline.Token);
        try
        {
            if (await Task.WhenAny(_listening.Task, exited) != _listening.Task || _process.HasExited)
                throw new InvalidOperationException($"The Runner exited with code {_process.ExitCode} before listening; see its log.");
            var url = await _listening.Task;
            using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(5) };
            while (true)
            {
                if (_process.HasExited) throw new InvalidOperationException($"The Runner exited with code {_process.ExitCode} while starting; see its log.");
                try
                {
                    using var response = await http.GetAsync("/health/ready", deadline.Token);
                    if (response.IsSuccessStatusCode) return url;
                }
                catch (HttpRequestException)
                {
                    // Not answering yet.
                }
                catch (TaskCanceledException) when (!deadline.IsCancellationRequested)
                {
                    // One slow answer (the client's own 5 s timeout; a busy machine): ask again, until the deadline.
                }
                await Task.Delay(100, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"The Runner was not ready within {timeout.TotalSeconds:0} s; see its log.");
        }
    }

    /// <summary>One "Vm…:   1234 kB" field of /proc/&lt;pid&gt;/status in KiB, or null once the process is gone.</summary>
    public static long? StatusKiB(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith(field, StringComparison.Ordinal) || line.Length <= field.Length || line[field.Length] != ':') continue;
                var value = line[(field.Length + 1)..].Trim();
                var space = value.IndexOf(' ');
                return long.Parse(space < 0 ? value : value[..space]);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Exited.
        }
        return null;
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SysConf(int name);

    private const int ScClkTck = 2; // _SC_CLK_TCK on Linux

    /// <summary>User + system CPU time the process has used so far (/proc/&lt;pid&gt;/stat utime + stime), in seconds; null once it is gone.</summary>
    public static double? CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
            var ticks = long.Parse(fields[11]) + long.Parse(fields[12]);
            var perSecond = SysConf(ScClkTck);
            return ticks / (double)(perSecond > 0 ? perSecond : 100);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>SIGTERM, then waits up to <paramref name="grace"/> for the exit; kills the process only if it is still there.</summary>
    public async Task<(int? ExitCode, double Seconds, bool Killed)> StopAsync(TimeSpan grace)
    {
        if (_stopped is { } done) return done;
        var clock = Stopwatch.StartNew();
        var killed = false;
        if (!_process.HasExited)
        {
            if (Kill(_process.Id, SigTerm) != 0 && !_process.HasExited)
                lock (_log) _log.WriteLine($"# kill(SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
            using var wait = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                killed = true;
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        // Let the output readers reach the end of the streams.
        _process.WaitForExit();
        var seconds = clock.Elapsed.TotalSeconds;
        lock (_log) _log.WriteLine($"# exited with code {_process.ExitCode} {seconds:0.0} s after SIGTERM{(killed ? " (killed after the grace period)" : "")}");
        AppDomain.CurrentDomain.ProcessExit -= _onExit;
        try { File.Delete(_pidFile); } catch (IOException) { }
        _stopped = (_process.ExitCode, seconds, killed);
        return _stopped.Value;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(60));
        _process.Dispose();
        lock (_log) _log.Dispose();
    }
}

/// <summary>Samples one process's VmRSS from /proc/&lt;pid&gt;/status at a fixed period.</summary>
public sealed class RssSampler : IAsyncDisposable
{
    private readonly int _pid;
    private readonly List<(long Timestamp, long KiB)> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RssSampler(int pid, TimeSpan period)
    {
        _pid = pid;
        Period = period;
        _loop = Task.Run(LoopAsync);
    }

    public TimeSpan Period { get; }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Period);
        do
        {
            if (RunnerProcess.StatusKiB(_pid, "VmRSS") is not { } kib) return;
            lock (_samples) _samples.Add((Stopwatch.GetTimestamp(), kib));
        } while (await timer.WaitForNextTickAsync(_stop.Token).AsTask().ContinueWith(t => t is { IsCompletedSuccessfully: true, Result: true }));
    }

    /// <summary>The samples so far: Stopwatch timestamp and VmRSS in KiB.</summary>
    public (long Timestamp, long KiB)[] Samples()
    {
        lock (_samples) return [.. _samples];
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync();
        await _loop;
    }
}
