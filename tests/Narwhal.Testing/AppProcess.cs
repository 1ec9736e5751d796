using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Narwhal.Testing;

/// <summary>
/// A Narwhal program (Api, Dispatcher, Runner) as an OS process of its own (<c>dotnet Narwhal.Api.dll</c>), configured
/// only through its environment like a deployed one, so a test or an experiment can SIGKILL it mid-work and start it
/// again on the same port. Its stdout and stderr are kept (<see cref="Output"/>) for failure messages and log files.
/// Disposing stops it (SIGTERM, then SIGKILL after a grace).
/// </summary>
public class AppProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly TimeSpan _stopGrace;
    private readonly EventHandler _onHostExit;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>
    /// Starts <paramref name="assembly"/> (built beside this program) with exactly <paramref name="settings"/> as its
    /// NARWHAL_* environment (nothing inherited) and <paramref name="listenVariable"/> set to <paramref name="url"/>
    /// (a free loopback port when null: pass the same URL to start it again in place).
    /// </summary>
    protected AppProcess(string assembly, string description, string listenVariable, IReadOnlyDictionary<string, string?> settings,
        Uri? url, StringBuilder? output, TimeSpan stopGrace)
    {
        Name = assembly;
        Description = description;
        Url = url ?? new Uri($"http://127.0.0.1:{FreePort()}");
        _output = output ?? new StringBuilder();
        _stopGrace = stopGrace;
        var info = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(DllBesideThisProgram(assembly));
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("NARWHAL_", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(key);
        foreach (var (key, value) in settings) info.Environment[key] = value;
        info.Environment[listenVariable] = Url.ToString().TrimEnd('/');
        // Console output without colours, and no second listener from an inherited ASP.NET port.
        info.Environment["DOTNET_CONSOLE_ANSI_COLOR"] = "false";
        info.Environment["ASPNETCORE_HTTP_PORTS"] = "";
        _process = Process.Start(info) ?? throw new InvalidOperationException($"{description} did not start.");
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, "");
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, "stderr: ");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        // This program ending without stopping it (a crash, an aborted run, a timeout) must not leave it behind.
        _onHostExit = (_, _) =>
        {
            try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* gone */ }
        };
        AppDomain.CurrentDomain.ProcessExit += _onHostExit;
    }

    /// <summary>The program's assembly name, e.g. Narwhal.Api.</summary>
    public string Name { get; }
    /// <summary>What it is, for messages (e.g. "Runner r1").</summary>
    public string Description { get; }
    /// <summary>Where it listens (its health endpoint among others).</summary>
    public Uri Url { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>What the process wrote so far (stderr lines prefixed).</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts <paramref name="assembly"/> (e.g. Narwhal.Api); see the constructor. Stopping it allows 30 s before SIGKILL.</summary>
    public static AppProcess Start(string assembly, string listenVariable, IReadOnlyDictionary<string, string?> settings, Uri? url = null,
        StringBuilder? output = null) =>
        new(assembly, assembly, listenVariable, settings, url, output, TimeSpan.FromSeconds(30));

    /// <summary>The same program, settings and port again, its output appended to this one's.</summary>
    public AppProcess Restart(IReadOnlyDictionary<string, string?> settings, string listenVariable)
    {
        lock (_output) _output.AppendLine($"# {DateTime.UtcNow:O} started again");
        return Start(Name, listenVariable, settings, Url, _output);
    }

    /// <summary>
    /// The program's build next to the running assembly: test projects, the benchmark and the chaos suite reference the
    /// program projects, so their dll, deps.json and runtimeconfig.json are copied there.
    /// </summary>
    public static string DllBesideThisProgram(string assembly)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, assembly + ".dll");
        if (File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json"))) return dll;
        throw new FileNotFoundException($"The {assembly} build is missing beside {AppContext.BaseDirectory}: build the solution (or run bench/chaos/run.sh) first.", dll);
    }

    /// <summary>The dotnet host running this program (so the child gets the same runtime), else `dotnet` from PATH.</summary>
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    /// <summary>A loopback port free right now (the program binds it a moment later; a clash fails its start loudly).</summary>
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

    /// <summary>Until /health/ready answers 200 (90 s unless told); fails at once if the process exits.</summary>
    public async Task WaitReadyAsync(TimeSpan? timeout = null)
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.UntilAsync(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Description} exited with code {_process.ExitCode} while starting. Output:\n{Output}");
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
        }, $"{Description} to be ready", timeout ?? TimeSpan.FromSeconds(90));
    }

    /// <summary>SIGKILL: no chance to finish requests, stop runs, flush or publish anything (a crash, an OOM kill).</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        if (Kill(_process.Id, SigKill) != 0 && !_process.HasExited)
            throw new InvalidOperationException($"kill -9 {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM (a graceful shutdown), then SIGKILL if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (_process.HasExited) return;
        _ = Kill(_process.Id, SigTerm); // a process gone already is what we want
        using var wait = new CancellationTokenSource(grace ?? _stopGrace);
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
        AppDomain.CurrentDomain.ProcessExit -= _onHostExit;
        _process.Dispose();
        GC.SuppressFinalize(this);
    }
}
