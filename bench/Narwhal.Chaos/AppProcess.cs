using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Narwhal.Chaos;

/// <summary>
/// The Api or the Dispatcher as an OS process of its own (<c>dotnet Narwhal.Api.dll</c>), configured only
/// through its environment like a deployed one, so an experiment can SIGKILL it and start it again on
/// the same port. (Runners have their own: tests/Narwhal.Testing/RunnerProcess.cs.) The output is kept
/// for the log file.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly EventHandler _onExit;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private AppProcess(Process process, StringBuilder output, string name, Uri url)
    {
        _process = process;
        _output = output;
        Name = name;
        Url = url;
        // The suite ending without stopping it (an unhandled error, a timeout) must not leave it behind.
        _onExit = (_, _) =>
        {
            try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* gone */ }
        };
        AppDomain.CurrentDomain.ProcessExit += _onExit;
    }

    public string Name { get; }
    public Uri Url { get; }
    public int Pid => _process.Id;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>
    /// Starts <paramref name="assembly"/> (e.g. Narwhal.Api, built beside this suite) with exactly
    /// <paramref name="settings"/> as its NARWHAL_* environment and <paramref name="listenVariable"/> set to
    /// <paramref name="url"/> (a free loopback port when null: pass the same URL to start it again in place).
    /// </summary>
    public static AppProcess Start(string assembly, string listenVariable, IReadOnlyDictionary<string, string?> settings, Uri? url = null,
        StringBuilder? output = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, assembly + ".dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is missing: build bench/Narwhal.Chaos (bench/chaos/run.sh does).", dll);
        var info = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("NARWHAL_", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(key);
        foreach (var (key, value) in settings) info.Environment[key] = value;
        url ??= new Uri($"http://127.0.0.1:{FreePort()}");
        info.Environment[listenVariable] = url.ToString().TrimEnd('/');
        info.Environment["DOTNET_CONSOLE_ANSI_COLOR"] = "false";
        info.Environment["ASPNETCORE_HTTP_PORTS"] = "";
        output ??= new StringBuilder();
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{assembly} did not start.");
        var app = new AppProcess(process, output, assembly, url);
        process.OutputDataReceived += (_, e) => app.OnLine(e.Data, "");
        process.ErrorDataReceived += (_, e) => app.OnLine(e.Data, "stderr: ");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    /// <summary>The same program, settings and port again, its output appended to this one's.</summary>
    public AppProcess Restart(IReadOnlyDictionary<string, string?> settings, string listenVariable)
    {
        lock (_output) _output.AppendLine($"# {DateTime.UtcNow:O} started again");
        return Start(Name, listenVariable, settings, Url, _output);
    }

    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private void OnLine(string? line, string prefix)
    {
        if (line is null) return;
        lock (_output) _output.Append(prefix).AppendLine(line);
    }

    /// <summary>Until /health/ready answers 200; fails at once if the process exits.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} while starting:\n{Output}");
            try
            {
                using var response = await http.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Too slow to answer yet.
            }
            if (clock.Elapsed > timeout) throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds:0} s");
            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL: no chance to finish requests, flush or publish anything.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        if (Kill(_process.Id, SigKill) != 0 && !_process.HasExited)
            throw new InvalidOperationException($"kill -9 {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill(_process.Id, SigTerm);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await _process.WaitForExitAsync(grace.Token); }
            catch (OperationCanceledException) { await KillAsync(); }
        }
        AppDomain.CurrentDomain.ProcessExit -= _onExit;
        _process.Dispose();
    }
}
