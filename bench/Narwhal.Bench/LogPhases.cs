using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Narwhal.Runner.Execution;
using Narwhal.Testing;
using static Narwhal.Bench.PhaseStack;

namespace Narwhal.Bench;

public sealed record LiveTailResult(
    int Lines, int IntervalMs, IReadOnlyList<string> Script, string RunId, string Status,
    int LinesReceived, int LinesMissing, int LinesOutOfOrder, int LogEvents, double StampCostMs, Series Latency,
    IReadOnlyList<string> Problems)
{
    public IReadOnlyList<string> LeftoversRemoved { get; init; } = [];
}

public sealed record LogThroughputResult(
    int MiB, long Lines, string Script, string RunId, string Status, long? LogSize, bool LogTruncated, int PollMs,
    double StartToDieSeconds, double StartToTerminalSeconds, double DieToTerminalSeconds,
    double MiBPerSecond, double ContainerMiBPerSecond,
    double FollowerMiBPerSecond, double FollowerFirstByteAfterStartSeconds, double FollowerLastByteAfterStartSeconds,
    double FollowerLastByteAfterTerminalSeconds, int FollowerEvents,
    LogCheck Follower, LogCheck Stored, double StoredReadMiBPerSecond, IReadOnlyList<string> Problems)
{
    public IReadOnlyList<string> LeftoversRemoved { get; init; } = [];
}

public sealed record RunnerRssResult(
    int MiB, string RunnerCommand, string RunnerGc, string LogMaxMb, int SampleIntervalMs, string RunId, string Status, long? LogSize, bool LogTruncated,
    double RssAtReadyMiB, double RssBeforeJobMiB, double PeakRssMiB, double PeakAtSeconds, double VmHwmMiB, double RssAfterRunMiB,
    double PeakWhileContainerRanMiB, double PeakAfterContainerExitedMiB, double CpuSecondsDuringJob, double CpuPercentOfOneCore,
    double ContainerStartAtSeconds, double ContainerDieAtSeconds, double TerminalAtSeconds,
    double StartToDieSeconds, double StartToTerminalSeconds, double MiBPerSecond, int Samples, double[][] RssSamplesMiB,
    int? RunnerExitCode, double RunnerStopSeconds, bool RunnerKilled, string RunnerLog, IReadOnlyList<string> Problems)
{
    public IReadOnlyList<string> LeftoversRemoved { get; init; } = [];
}

/// <summary>
/// Phase 4: live console logs. (a) Live-tail latency: a job prints a line with its own wall-clock
/// time every 200 ms; a follower on the SSE stream takes the time each line arrives. (b) Log
/// throughput: a job writes N MiB of numbered lines as fast as it can; MiB/s to the run's end and
/// as seen by a follower, and both the followed and the stored copies are checked line by line.
/// (c) The Runner as a separate process while a job writes 1 GiB: its VmRSS sampled from /proc.
/// </summary>
public static class LogPhases
{
    private const int IntervalMs = 200;
    private const int ThroughputPollMs = 50;
    private const int RssPollMs = 100;
    private const int RssSampleMs = 100;

    // ---------------------------------------------------------------- (a) live tail

    /// <summary>
    /// busybox's date has no %N, so the write time comes from adjtimex(2) (read-only, no capability
    /// needed): busybox `adjtimex` prints the kernel's CLOCK_REALTIME as tv_sec/tv_usec, the clock
    /// the host's DateTime.UtcNow reads. The stamp is taken just before the echo that writes the line.
    /// </summary>
    private const string StampFunction =
        "stamp() { adjtimex | awk '/tv_sec/ {s = $2} /tv_usec/ {u = $2} END {printf \"%d%06d\", s, u}'; }";

    public static string[] TailScript(int lines) =>
    [
        StampFunction,
        // Two stamps back to back: how long one stamp takes, an upper bound on how early a line's write time is.
        "a=$(stamp); b=$(stamp); echo \"calib $a $b\"",
        "i=0",
        $"while [ \"$i\" -lt {lines} ]; do i=$((i + 1)); echo \"mark $i $(stamp)\"; sleep {IntervalMs / 1000.0:0.0##}; done",
    ];

    public static Task<LiveTailResult> LiveTailAsync(BenchOptions options, Action<string> say, CancellationToken ct) =>
        WithStackAsync<LiveTailResult>(say, async (stack, scratch, problems) =>
        {
            using var client = stack.Client();
            var script = TailScript(options.TailLines);
            await PutJobAsync(client, "bench-tail-warmup", TailScript(3), ct);
            await PutJobAsync(client, "bench-tail", script, ct);
            await stack.StartRunnerAsync("bench-tail-runner", BenchRunnerSettings(scratch, "bench-tail-runner"));
            using var follower = ConsoleFollower.Client(stack.ApiUrl, TestStack.AdminToken);

            say("warm-up: a 3-line run, followed to its end (not measured)…");
            var warm = await TailRunAsync(client, follower, "bench-tail-warmup", 3, TimeSpan.FromSeconds(90), ct);
            if (warm.Status != "succeeded") throw new InvalidOperationException($"The warm-up run ended {warm.Status}: {warm.End}");

            say($"measuring: {options.TailLines} lines, one every {IntervalMs} ms, followed over SSE…");
            var run = await TailRunAsync(client, follower, "bench-tail", options.TailLines, TimeSpan.FromSeconds(options.TailLines * IntervalMs / 1000.0 + 120), ct);
            if (run.Status != "succeeded") problems.Add($"live-tail run {run.RunId} ended {run.Status}: {run.End}");
            if (run.Missing > 0) problems.Add($"live tail: {run.Missing} of {options.TailLines} lines never reached the follower");
            if (run.OutOfOrder > 0) problems.Add($"live tail: {run.OutOfOrder} lines arrived out of order");
            if (run.Follow.OffsetMismatches > 0) problems.Add($"live tail: {run.Follow.OffsetMismatches} events did not continue at the previous offset ({run.Follow.FirstOffsetMismatch})");
            if (run.LatenciesMs.Any(l => l < 0)) problems.Add("live tail: a line arrived before it was written (clock mismatch between the container and the host?)");
            if (run.StampCostMs is < 0 or > 1000) problems.Add($"live tail: implausible stamp cost {run.StampCostMs:0.0} ms (adjtimex not usable in the container?)");

            return new LiveTailResult(options.TailLines, IntervalMs, script, run.RunId, run.Status, run.Received, run.Missing, run.OutOfOrder,
                run.Follow.LogEvents, run.StampCostMs, Series.Of("container write → follower receive", run.LatenciesMs), problems);
        }, (r, l) => r with { LeftoversRemoved = l });

    private sealed record TailRun(string RunId, string Status, string? End, int Received, int Missing, int OutOfOrder, double StampCostMs,
        List<double> LatenciesMs, FollowOutcome Follow);

    private static async Task<TailRun> TailRunAsync(HttpClient client, HttpClient follower, string job, int lines, TimeSpan deadline, CancellationToken ct)
    {
        var (runId, _) = await TriggerAsync(client, job, ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(deadline);
        var latencies = new List<double>();
        var splitter = new LineSplitter();
        int received = 0, outOfOrder = 0, last = 0;
        var stampCost = double.NaN;
        var nowNs = WallClock.NowUnixNs();
        FollowOutcome follow;
        try
        {
            follow = await ConsoleFollower.FollowAsync(follower, runId, (receivedNs, _, text) => splitter.Feed(text, line =>
            {
                // "mark <i> <µs since the epoch>" or "calib <µs> <µs>".
                var parts = line.ToString().Split(' ');
                if (parts.Length == 3 && parts[0] == "mark" && int.TryParse(parts[1], out var i) && long.TryParse(parts[2], out var writtenUs))
                {
                    received++;
                    if (i != last + 1) outOfOrder++;
                    last = i;
                    if (Math.Abs(writtenUs * 1000 - nowNs) > 3_600_000_000_000L)
                        throw new InvalidOperationException($"The container's time stamp {writtenUs} µs is more than an hour off the host's clock: adjtimex is not usable in the job container.");
                    latencies.Add((receivedNs - writtenUs * 1000) / 1e6);
                }
                else if (parts.Length == 3 && parts[0] == "calib" && long.TryParse(parts[1], out var a) && long.TryParse(parts[2], out var b))
                {
                    stampCost = (b - a) / 1000.0;
                }
            }), timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"Following run {runId} did not end within {deadline.TotalSeconds:0} s ({received} of {lines} lines received).");
        }
        var status = EndStatus(follow.EndData);
        return new TailRun(runId, status, follow.EndData, received, lines - received, outOfOrder, stampCost, latencies, follow);
    }

    // ---------------------------------------------------------------- (b) throughput

    public static Task<LogThroughputResult> ThroughputAsync(BenchOptions options, Action<string> say, CancellationToken ct) =>
        WithStackAsync<LogThroughputResult>(say, async (stack, scratch, problems) =>
        {
            using var client = stack.Client();
            var lines = options.LogMb * NumberedLog.LinesPerMiB;
            var script = NumberedLog.Script(lines);
            await PutJobAsync(client, "bench-log-warmup", [NumberedLog.Script(NumberedLog.LinesPerMiB)], ct);
            await PutJobAsync(client, "bench-log-throughput", [script], ct);
            await using var events = await DockerEventStream.OpenAsync(TestEnvironment.DockerHost, stack.Instance, RunLabels.RunId, ct);
            var logMax = Math.Max(256, options.LogMb + 64).ToString(CultureInfo.InvariantCulture);
            var runnerSettings = BenchRunnerSettings(scratch, "bench-log-runner");
            runnerSettings["NARWHAL_LOG_MAX_MB"] = logMax;
            await stack.StartRunnerAsync("bench-log-runner", runnerSettings);
            using var follower = ConsoleFollower.Client(stack.ApiUrl, TestStack.AdminToken);

            say("warm-up: a 1 MiB run, followed and checked (not measured)…");
            var warm = await ThroughputRunAsync(client, follower, events, "bench-log-warmup", 1, TimeSpan.FromSeconds(120), ct);
            if (!warm.Follower.Complete || warm.Status != "succeeded")
                throw new InvalidOperationException($"The 1 MiB warm-up run ended {warm.Status}; follower check: {string.Join("; ", warm.Follower.FirstErrors)}");

            say($"measuring: a job writing {options.LogMb} MiB ({lines} numbered lines of {NumberedLog.LineBytes} bytes), followed over SSE…");
            var run = await ThroughputRunAsync(client, follower, events, "bench-log-throughput", options.LogMb,
                TimeSpan.FromSeconds(180 + options.LogMb / 2.0), ct);
            say($"  ended {run.Status} {run.StartToTerminalSeconds:0.0} s after the container started; checking the stored log ({options.LogMb} MiB, streamed)…");
            var stored = await CheckStoredAsync(client, run.RunId, lines, ct);

            if (run.Status != "succeeded") problems.Add($"throughput run {run.RunId} ended {run.Status}: {run.End}");
            if (run.LogTruncated) problems.Add($"throughput run {run.RunId}: the log was truncated (NARWHAL_LOG_MAX_MB={logMax})");
            if (!run.Follower.Complete) problems.Add($"throughput: the follower's copy is incomplete or out of order: {string.Join("; ", run.Follower.FirstErrors)}");
            if (!stored.Complete) problems.Add($"throughput: the stored log is incomplete or out of order: {string.Join("; ", stored.FirstErrors)}");
            if (run.LogSize != stored.ExpectedBytes) problems.Add($"throughput: the run's logSize is {run.LogSize}, expected {stored.ExpectedBytes}");

            var mib = stored.ExpectedBytes / 1_048_576.0;
            return new LogThroughputResult(options.LogMb, lines, script, run.RunId, run.Status, run.LogSize, run.LogTruncated, ThroughputPollMs,
                run.StartToDieSeconds, run.StartToTerminalSeconds, run.StartToTerminalSeconds - run.StartToDieSeconds,
                mib / run.StartToTerminalSeconds, mib / run.StartToDieSeconds,
                run.Follower.Bytes / 1_048_576.0 / run.FollowerSpanSeconds, run.FollowerFirstAfterStartSeconds, run.FollowerLastAfterStartSeconds,
                run.FollowerLastAfterStartSeconds - run.StartToTerminalSeconds, run.FollowerEvents,
                run.Follower, stored, stored.Bytes / 1_048_576.0 / stored.Seconds, problems);
        }, (r, l) => r with { LeftoversRemoved = l });

    private sealed record ThroughputRun(
        string RunId, string Status, string? End, long? LogSize, bool LogTruncated,
        double StartToDieSeconds, double StartToTerminalSeconds, double FollowerSpanSeconds, double FollowerFirstAfterStartSeconds,
        double FollowerLastAfterStartSeconds, int FollowerEvents, LogCheck Follower);

    private static async Task<ThroughputRun> ThroughputRunAsync(HttpClient client, HttpClient follower, DockerEventStream events, string job, int mib,
        TimeSpan deadline, CancellationToken ct)
    {
        var (runId, _) = await TriggerAsync(client, job, ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(deadline);
        var check = new NumberedLog(mib * NumberedLog.LinesPerMiB);
        var clock = Stopwatch.StartNew();
        try
        {
            // The follower and the status poll run side by side; the follower checks every line as it comes.
            var following = Task.Run(() => ConsoleFollower.FollowAsync(follower, runId, (_, _, text) => check.Feed(text), timeout.Token), timeout.Token);
            var polling = PollUntilTerminalAsync(client, runId, ThroughputPollMs, timeout.Token);
            var (run, terminalNs) = await polling;
            var follow = await following;
            var start = await events.WaitAsync(runId, "start", TimeSpan.FromSeconds(15), ct);
            var die = await events.WaitAsync(runId, "die", TimeSpan.FromSeconds(15), ct);
            var followerCheck = check.Result("follower (SSE)", follow.OffsetMismatches, clock.Elapsed.TotalSeconds);
            return new ThroughputRun(runId, run.GetProperty("status").GetString() ?? "", follow.EndData,
                run.TryGetProperty("logSize", out var size) && size.ValueKind == JsonValueKind.Number ? size.GetInt64() : null,
                run.TryGetProperty("logTruncated", out var truncated) && truncated.ValueKind == JsonValueKind.True,
                (die.TimeNano - start.TimeNano) / 1e9, (terminalNs - start.TimeNano) / 1e9,
                (follow.LastLogUnixNs - follow.FirstLogUnixNs) / 1e9, (follow.FirstLogUnixNs - start.TimeNano) / 1e9,
                (follow.LastLogUnixNs - start.TimeNano) / 1e9, follow.LogEvents, followerCheck);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"Run {runId} ({mib} MiB) did not end and finish streaming within {deadline.TotalSeconds:0} s " +
                                       $"({check.Chars / 1_048_576.0:0.0} MiB reached the follower).");
        }
    }

    /// <summary>The stored log (GET …/results/console once the run ended) read as a stream and checked line by line as it comes.</summary>
    private static async Task<LogCheck> CheckStoredAsync(HttpClient client, string runId, long lines, CancellationToken ct)
    {
        var check = new NumberedLog(lines);
        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync($"/runs/{runId}/results/console", HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET /runs/{runId}/results/console answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(body, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 256 * 1024);
        var buffer = new char[256 * 1024];
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), ct)) > 0) check.Feed(buffer.AsSpan(0, read));
        return check.Result("stored (GET console)", 0, clock.Elapsed.TotalSeconds);
    }

    // ---------------------------------------------------------------- (c) Runner RSS

    public static Task<RunnerRssResult> RunnerRssAsync(BenchOptions options, Action<string> say, CancellationToken ct) =>
        WithStackAsync<RunnerRssResult>(say, async (stack, scratch, problems) =>
        {
            var runnerDll = RunnerDll();
            var resultsDir = Path.GetDirectoryName(Path.GetFullPath(options.Output))!;
            var runnerLog = Path.Combine(resultsDir, "runner-rss.log");
            using var client = stack.Client();
            var lines = options.BigLogMb * NumberedLog.LinesPerMiB;
            await PutJobAsync(client, "bench-rss-warmup", ["echo warm-up"], ct);
            await PutJobAsync(client, "bench-rss-log", [NumberedLog.Script(lines)], ct);
            await using var events = await DockerEventStream.OpenAsync(TestEnvironment.DockerHost, stack.Instance, RunLabels.RunId, ct);

            var logMax = Math.Max(2048, options.BigLogMb + 64).ToString(CultureInfo.InvariantCulture);
            var settings = RunnerProcessSettings(stack, "bench-rss-runner", slots: 1, scratch);
            settings["NARWHAL_LOG_MAX_MB"] = logMax;

            say($"starting the Runner as a separate process: dotnet {Path.GetRelativePath(Environment.CurrentDirectory, runnerDll)} (log: {Path.GetRelativePath(Environment.CurrentDirectory, runnerLog)})…");
            RunnerProcess? runner = null;
            try
            {
                runner = RunnerProcess.Start(runnerDll, settings, runnerLog, RunnerPidFile(options), stack.Instance);
                await using var sampler = new RssSampler(runner.Pid, TimeSpan.FromMilliseconds(RssSampleMs));
                var url = await runner.WaitReadyAsync(TimeSpan.FromSeconds(60), ct);
                var rssAtReady = RunnerProcess.StatusKiB(runner.Pid, "VmRSS") ?? 0;
                say($"  Runner pid {runner.Pid} ready at {url} ({rssAtReady / 1024.0:0.0} MiB RSS); warm-up run `echo warm-up` (not measured)…");

                var (warmId, _) = await TriggerAsync(client, "bench-rss-warmup", ct);
                var (warmRun, _) = await WithDeadline(t => PollUntilTerminalAsync(client, warmId, RssPollMs, t), TimeSpan.FromSeconds(90), $"warm-up run {warmId}", ct);
                if (warmRun.GetProperty("status").GetString() != "succeeded")
                    throw new InvalidOperationException($"The warm-up run ended {Str(warmRun, "status")}: {Str(warmRun, "statusReason")}");
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                var rssBefore = RunnerProcess.StatusKiB(runner.Pid, "VmRSS") ?? 0;

                say($"measuring: a job writing {options.BigLogMb} MiB, VmRSS sampled every {RssSampleMs} ms ({rssBefore / 1024.0:0.0} MiB before)…");
                var cpuBefore = RunnerProcess.CpuSeconds(runner.Pid) ?? double.NaN;
                var triggered = Stopwatch.GetTimestamp();
                var (runId, triggeredNs) = await TriggerAsync(client, "bench-rss-log", ct);
                var (run, terminalNs) = await WithDeadline(t => PollUntilTerminalAsync(client, runId, RssPollMs, t),
                    TimeSpan.FromSeconds(180 + options.BigLogMb / 2.0), $"run {runId} ({options.BigLogMb} MiB)", ct);
                var cpuAfter = RunnerProcess.CpuSeconds(runner.Pid) ?? double.NaN;
                var hwm = RunnerProcess.StatusKiB(runner.Pid, "VmHWM") ?? 0;
                var rssAfter = RunnerProcess.StatusKiB(runner.Pid, "VmRSS") ?? 0;
                var samples = sampler.Samples();
                var during = samples.Where(s => s.Timestamp >= triggered).ToArray();
                var peak = during.Length > 0 ? during.MaxBy(s => s.KiB) : (Timestamp: triggered, KiB: 0L);
                var start = await events.WaitAsync(runId, "start", TimeSpan.FromSeconds(15), ct);
                var die = await events.WaitAsync(runId, "die", TimeSpan.FromSeconds(15), ct);

                var status = run.GetProperty("status").GetString() ?? "";
                long? logSize = run.TryGetProperty("logSize", out var size) && size.ValueKind == JsonValueKind.Number ? size.GetInt64() : null;
                var truncated = run.TryGetProperty("logTruncated", out var t) && t.ValueKind == JsonValueKind.True;
                var expectedBytes = lines * NumberedLog.LineBytes;
                if (status != "succeeded") problems.Add($"RSS run {runId} ended {status}: {Str(run, "statusReason")}");
                if (truncated) problems.Add($"RSS run {runId}: the log was truncated (NARWHAL_LOG_MAX_MB={logMax})");
                if (logSize != expectedBytes) problems.Add($"RSS run {runId}: logSize {logSize}, expected {expectedBytes}");

                await sampler.DisposeAsync();
                say("  stopping the Runner (SIGTERM)…");
                var (exitCode, stopSeconds, killed) = await runner.StopAsync(TimeSpan.FromSeconds(60));
                if (killed) problems.Add($"the Runner process did not exit within 60 s of SIGTERM and was killed");
                else if (exitCode != 0) problems.Add($"the Runner process exited with code {exitCode} after SIGTERM (see {runnerLog})");

                var startToTerminal = (terminalNs - start.TimeNano) / 1e9;
                static double MiB(long kib) => kib / 1024.0;
                // Seconds after the trigger, on the samples' clock (the trigger's wall-clock time is the common point).
                double AfterTrigger(long unixNs) => (unixNs - triggeredNs) / 1e9;
                double SampleAt((long Timestamp, long KiB) s) => Stopwatch.GetElapsedTime(triggered, s.Timestamp).TotalSeconds;
                double PeakBetween(double from, double to) =>
                    during.Where(s => SampleAt(s) >= from && SampleAt(s) <= to).Select(s => MiB(s.KiB)).DefaultIfEmpty(double.NaN).Max();
                var (startAt, dieAt, terminalAt) = (AfterTrigger(start.TimeNano), AfterTrigger(die.TimeNano), AfterTrigger(terminalNs));
                var cpu = cpuAfter - cpuBefore;
                return new RunnerRssResult(options.BigLogMb, runner.CommandLine, RunnerGc(runnerDll), logMax, RssSampleMs, runId, status, logSize, truncated,
                    MiB(rssAtReady), MiB(rssBefore), MiB(peak.KiB), Stopwatch.GetElapsedTime(triggered, peak.Timestamp).TotalSeconds, MiB(hwm), MiB(rssAfter),
                    PeakBetween(startAt, dieAt), PeakBetween(dieAt, terminalAt), cpu, 100 * cpu / terminalAt, startAt, dieAt, terminalAt,
                    (die.TimeNano - start.TimeNano) / 1e9, startToTerminal, expectedBytes / 1_048_576.0 / startToTerminal, samples.Length,
                    [.. samples.Select(s => new[] { Math.Round(Stopwatch.GetElapsedTime(triggered, s.Timestamp).TotalSeconds, 2), Math.Round(MiB(s.KiB), 1) })],
                    exitCode, stopSeconds, killed, runnerLog, problems);
            }
            finally
            {
                if (runner is not null) await runner.DisposeAsync();
            }
        }, (r, l) => r with { LeftoversRemoved = l });

    private static string RunnerGc(string runnerDll)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(runnerDll, ".runtimeconfig.json")));
            var server = doc.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var props)
                         && props.TryGetProperty("System.GC.Server", out var gc) && gc.ValueKind == JsonValueKind.True;
            return server ? "server" : "workstation";
        }
        catch (Exception ex) when (ex is IOException or JsonException or KeyNotFoundException)
        {
            return "unknown";
        }
    }

    // ---------------------------------------------------------------- shared

    /// <summary>Settings for a Runner of this benchmark: its spools and git cache under <paramref name="scratch"/>.</summary>
    private static Dictionary<string, string?> BenchRunnerSettings(string scratch, string runnerId) => new(Quiet.Settings)
    {
        ["NARWHAL_RUNNER_SLOTS"] = "1",
        ["NARWHAL_RUNNER_WORK_DIR"] = Path.Combine(scratch, runnerId, "work"),
        ["NARWHAL_RUNNER_GIT_CACHE"] = Path.Combine(scratch, runnerId, "git"),
    };

    private static async Task<(string RunId, long TriggeredUnixNs)> TriggerAsync(HttpClient client, string job, CancellationToken ct)
    {
        var triggered = WallClock.NowUnixNs();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/jobs/{job}/runs") { Content = new StringContent("{}", null, "application/json") };
        using var response = await client.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"POST /jobs/{job}/runs answered {(int)response.StatusCode}: {body}");
        return (JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!, triggered);
    }

    /// <summary>GET /runs/{id} every <paramref name="pollMs"/> ms until a terminal status; the wall clock of that answer.</summary>
    private static async Task<(JsonElement Run, long TerminalUnixNs)> PollUntilTerminalAsync(HttpClient client, string runId, int pollMs, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(pollMs));
        while (true)
        {
            var run = await client.GetFromJsonAsync<JsonElement>($"/runs/{runId}", ct);
            if (run.GetProperty("status").GetString() is not ("queued" or "running")) return (run, WallClock.NowUnixNs());
            await timer.WaitForNextTickAsync(ct);
        }
    }

    private static async Task<T> WithDeadline<T>(Func<CancellationToken, Task<T>> body, TimeSpan deadline, string what, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(deadline);
        try
        {
            return await body(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{what} did not end within {deadline.TotalSeconds:0} s.");
        }
    }

    private static string Str(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) ? value.ToString() : "";

    private static string EndStatus(string? endData)
    {
        if (endData is null) return "unknown";
        try
        {
            using var doc = JsonDocument.Parse(endData);
            return doc.RootElement.TryGetProperty("status", out var s) ? s.ToString() : "unknown";
        }
        catch (JsonException)
        {
            return "unknown";
        }
    }
}
