using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Narwhal.Testing;

/// <summary>
/// A Runner as an OS process of its own (<c>dotnet Narwhal.Runner.dll</c>), configured only through
/// environment variables like a deployed one, so a test can kill it with SIGKILL mid-run. Its
/// stdout and stderr are kept (<see cref="Output"/>) for failure messages. Disposing stops it
/// (SIGTERM, then SIGKILL after a grace).
/// </summary>
public sealed class RunnerProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly EventHandler _onTestHostExit;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private RunnerProcess(Process process, string runnerId, Uri url)
    {
        _process = process;
        RunnerId = runnerId;
        Url = url;
        // A test host ending without disposing this (a crash, an aborted run) must not leave the Runner behind.
        _onTestHostExit = (_, _) =>
        {
            try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* gone */ }
        };
        AppDomain.CurrentDomain.ProcessExit += _onTestHostExit;
    }

    public string RunnerId { get; }
    /// <summary>Where its health endpoint listens (a free loopback port picked at start).</summary>
    public Uri Url { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>What the process wrote so far (stderr lines prefixed), for assertion messages.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>
    /// The Runner's build: next to this test assembly (the test projects reference the Runner
    /// project, so its dll, deps.json and runtimeconfig.json are copied there).
    /// </summary>
    public static string RunnerDll()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "Narwhal.Runner.dll");
        if (File.Exists(beside) && File.Exists(Path.ChangeExtension(beside, ".runtimeconfig.json"))) return beside;
        throw new FileNotFoundException($"The Runner build is missing beside the tests: {beside}. Build the solution first.", beside);
    }

    /// <summary>The dotnet host running the tests (so the Runner gets the same runtime), else `dotnet` from PATH.</summary>
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    /// <summary>Starts the Runner with exactly <paramref name="settings"/> as its NARWHAL_* environment (nothing inherited).</summary>
    public static RunnerProcess Start(string runnerId, IReadOnlyDictionary<string, string?> settings)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(RunnerDll());
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("NARWHAL_", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(key);
        foreach (var (key, value) in settings) info.Environment[key] = value;
        info.Environment["NARWHAL_RUNNER_ID"] = runnerId;
        var url = new Uri($"http://127.0.0.1:{FreePort()}");
        info.Environment["NARWHAL_RUNNER_LISTEN"] = url.ToString().TrimEnd('/');
        // Console output without colours or buffering surprises.
        info.Environment["DOTNET_CONSOLE_ANSI_COLOR"] = "false";

        var process = Process.Start(info) ?? throw new InvalidOperationException("The Runner process did not start.");
        var runner = new RunnerProcess(process, runnerId, url);
        process.OutputDataReceived += (_, e) => runner.OnLine(e.Data, "");
        process.ErrorDataReceived += (_, e) => runner.OnLine(e.Data, "stderr: ");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return runner;
    }

    /// <summary>A loopback port free right now (the Runner binds it a moment later; a clash fails its start loudly).</summary>
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

    /// <summary>Until the Runner's /health/ready answers 200 (it consumes its queues); fails at once if it exits.</summary>
    public async Task WaitReadyAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(90);
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.UntilAsync(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"Runner {RunnerId} exited with code {_process.ExitCode} while starting. Output:\n{Output}");
            try
            {
                using var response = await http.GetAsync("/health/ready");
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException)
            {
                // One slow answer on a loaded machine (the process is still starting): ask again.
                return false;
            }
        }, $"Runner {RunnerId} to be ready", limit);
    }

    /// <summary>SIGKILL: the Runner gets no chance to stop its runs, report or clean up (a crash, an OOM kill).</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        if (Kill(_process.Id, SigKill) != 0 && !_process.HasExited)
            throw new InvalidOperationException($"kill -9 {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM (the Runner's graceful shutdown), then SIGKILL if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (_process.HasExited) return;
        Kill(_process.Id, SigTerm);
        using var wait = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        AppDomain.CurrentDomain.ProcessExit -= _onTestHostExit;
        _process.Dispose();
    }
}
