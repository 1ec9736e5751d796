using System.Diagnostics;
using System.Globalization;
using Narwhal.Testing;
using static Narwhal.Bench.PhaseStack;

namespace Narwhal.Bench;

public sealed record FleetRunnerStop(string RunnerId, int? ExitCode, double Seconds, bool Killed, string Log, int Warnings, int Errors, string? FirstError);

/// <summary>
/// Several Runner processes of one stack (the fleet and pipeline phases): started together, waited for until
/// each is ready, stopped together with SIGTERM. Each has <c>slots</c> slots and nothing else limiting what it
/// takes: the CPU quota is as many units as slots (a small run costs one), and the host-CPU gate is at
/// <c>cpuMax</c> (100 = off: the Runners, the Api and the load share one host here, so a gate on the host's CPU
/// would measure this machine's load rather than the fleet; a real fleet has a host per Runner).
/// </summary>
public sealed class RunnerFleet(BenchOptions options, TestStack stack, string scratch, string name, int slots, int cpuMax)
{
    /// <summary>Three Runners starting at once on a 2-core machine under load (average 50+) took over 120 s.</summary>
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(240);
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(60);

    private readonly List<(string Id, string Log, RunnerProcess Process)> _runners = [];

    public IReadOnlyList<RunnerProcess> Processes => _runners.Select(r => r.Process).ToList();
    public string Command => _runners.Count > 0 ? _runners[0].Process.CommandLine : "";
    public double ReadySeconds { get; private set; } = double.NaN;

    public static string SetupNote(int slots, int cpuMax) =>
        $"NARWHAL_RUNNER_SLOTS={slots}, NARWHAL_RUNNER_QUOTA_CPU={slots}, " +
        $"NARWHAL_RUNNER_CPU_MAX_PERCENT={cpuMax}{(cpuMax >= 100 ? " (host-CPU gate off)" : "")}; Api and Dispatcher in-process";

    /// <summary>
    /// Starts <paramref name="count"/> Runners <c>bench-&lt;name&gt;-&lt;n&gt;</c> (logs <c>runner-&lt;name&gt;-&lt;n&gt;.log</c> beside the
    /// results) and waits until every one is ready. Those started stay known to <see cref="StopAsync"/> whatever happens.
    /// </summary>
    public async Task StartAsync(int count, Action<string> say, CancellationToken ct)
    {
        var runnerDll = RunnerDll();
        var resultsDir = Path.GetDirectoryName(Path.GetFullPath(options.Output))!;
        say($"starting {count} Runner processes, {slots} slot(s) each " +
            $"(logs: {Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(resultsDir, $"runner-{name}-<n>.log"))})…");
        var ready = Stopwatch.StartNew();
        for (var i = 1; i <= count; i++)
        {
            var id = $"bench-{name}-{i}";
            var log = Path.Combine(resultsDir, $"runner-{name}-{i}.log");
            var process = RunnerProcess.Start(runnerDll, Settings(id), log, RunnerPidFile(options, $"{name}-{i}"), stack.Instance);
            _runners.Add((id, log, process));
        }
        await Task.WhenAll(_runners.Select(r => r.Process.WaitReadyAsync(ReadyTimeout, ct)));
        ReadySeconds = ready.Elapsed.TotalSeconds;
        say($"  {_runners.Count} Runners ready after {ReadySeconds:0.0} s (pids {string.Join(", ", _runners.Select(r => r.Process.Pid))})");
    }

    private Dictionary<string, string?> Settings(string runnerId)
    {
        var settings = RunnerProcessSettings(stack, runnerId, slots, scratch);
        settings["NARWHAL_RUNNER_QUOTA_CPU"] = slots.ToString(CultureInfo.InvariantCulture);
        settings["NARWHAL_RUNNER_CPU_MAX_PERCENT"] = cpuMax.ToString(CultureInfo.InvariantCulture);
        return settings;
    }

    /// <summary>SIGTERM to all at once, then each is waited for (killed after <see cref="StopGrace"/>); what each did and logged.</summary>
    public async Task<IReadOnlyList<FleetRunnerStop>> StopAsync(Action<string> say)
    {
        if (_runners.Count == 0) return [];
        say($"stopping the {_runners.Count} Runners (SIGTERM)…");
        return await Task.WhenAll(_runners.Select(async r =>
        {
            var (exitCode, seconds, killed) = await r.Process.StopAsync(StopGrace);
            await r.Process.DisposeAsync();
            var (warnings, errors, firstError) = await LogLevelsAsync(r.Log);
            return new FleetRunnerStop(r.Id, exitCode, seconds, killed, Path.GetRelativePath(Environment.CurrentDirectory, r.Log), warnings, errors, firstError);
        }));
    }

    /// <summary>A Runner killed after the grace, one that exited with a code other than 0, one that logged errors.</summary>
    public static IEnumerable<string> Problems(IEnumerable<FleetRunnerStop> stops)
    {
        foreach (var stop in stops)
        {
            if (stop.Killed) yield return $"Runner {stop.RunnerId} did not exit within {StopGrace.TotalSeconds:0} s of SIGTERM and was killed (log {stop.Log})";
            else if (stop.ExitCode != 0) yield return $"Runner {stop.RunnerId} exited with code {stop.ExitCode} after SIGTERM (log {stop.Log})";
            if (stop.Errors > 0) yield return $"Runner {stop.RunnerId} logged {stop.Errors} error(s) (log {stop.Log}); first: {stop.FirstError}";
        }
    }

    /// <summary>Warning and error lines in a Runner's log (NarwhalLogging's console format: "HH:mm:ss.fff WRN …").</summary>
    private static async Task<(int Warnings, int Errors, string? FirstError)> LogLevelsAsync(string path)
    {
        var (warnings, errors, first) = (0, 0, (string?)null);
        try
        {
            foreach (var line in await File.ReadAllLinesAsync(path))
            {
                var text = line.StartsWith("stderr: ", StringComparison.Ordinal) ? line[8..] : line;
                if (text.Length < 17 || text[12] != ' ' || text[16] != ' ') continue;
                switch (text[13..16])
                {
                    case "WRN": warnings++; break;
                    case "ERR" or "FTL": errors++; first ??= text.Length > 300 ? text[..300] + "…" : text; break;
                }
            }
        }
        catch (IOException ex)
        {
            first = $"could not read the log: {ex.Message}";
            errors++;
        }
        return (warnings, errors, first);
    }
}
