using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Narwhal.Bench;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (BenchOptions.HelpRequestedException)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}\n\n{BenchOptions.Usage}");
    return 2;
}

// Everything this benchmark creates in Docker carries an instance name of its own, never the tests' prefix.
if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NARWHAL_TEST_INSTANCE")))
    Environment.SetEnvironmentVariable("NARWHAL_TEST_INSTANCE", "narwhal-bench");

using var deadline = new CancellationTokenSource(options.Deadline);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    Console.Error.WriteLine("interrupted: cancelling (stacks and containers are cleaned up)…");
    deadline.Cancel();
};
var ct = deadline.Token;
var total = Stopwatch.StartNew();
void Say(string line) => Console.WriteLine($"  [{total.Elapsed.TotalSeconds,5:0.0}s] {line}");

BenchEnvironment env;
try
{
    env = await BenchEnvironmentProbe.ProbeAsync(ct);
}
catch (Exception ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}

Console.WriteLine($"Narwhal benchmark, {env.StartedAtUtc}");
Console.WriteLine($"  commit      {env.GitCommit ?? "unknown"}");
Console.WriteLine($"  host        {env.Host}: {env.Cores} cores, {env.Os}, {env.Dotnet}, {(env.ServerGc ? "server" : "workstation")} GC");
Console.WriteLine($"  docker      {env.DockerVersion} at {env.DockerHost}; image {env.Image}");
Console.WriteLine($"  postgres    {env.PostgresVersion} at {env.PostgresServer}: fsync={env.Fsync}, synchronous_commit={env.SynchronousCommit} (SHOW fsync; SHOW synchronous_commit)");
Console.WriteLine($"  rabbitmq    {env.RabbitMq}; s3 {env.S3Url}");
Console.WriteLine($"  load avg    {env.LoadAverageAtStart} (1/5/15 min; other work on this machine shows in every figure)");
Console.WriteLine($"  in-process  the Api, the Runner and the load generator share this one process and its {env.Cores} cores " +
                  "(phases 4c, 5 and 7: the Runners are processes of their own)");

TriggerResult? trigger = null;
EndToEndResult? e2e = null;
EngineBaselineResult? engineBaseline = null;
CliBaselineResult? cliBaseline = null;
LiveTailResult? liveTail = null;
LogThroughputResult? logThroughput = null;
RunnerRssResult? runnerRss = null;
FleetResult? fleet = null;
UiResult? ui = null;
PipelineResult? pipelines = null;
var failures = new List<string>();
var phaseLoad = new Dictionary<string, string>();

async Task<T?> Phase<T>(string key, string title, Func<Task<T>> body) where T : class
{
    if (!options.Includes(key)) return null;
    Console.WriteLine();
    Console.WriteLine(title);
    try
    {
        var result = await body();
        phaseLoad[key] = BenchEnvironmentProbe.LoadAverage();
        return result;
    }
    catch (OperationCanceledException) when (ct.IsCancellationRequested)
    {
        throw;
    }
    catch (Exception ex)
    {
        failures.Add($"{title.Trim()}: {ex.Message}");
        Console.WriteLine($"  FAILED: {ex.GetType().Name}: {ex.Message}");
        return null;
    }
}

var cancelled = false;
try
{
    trigger = await Phase("trigger", "[1] Trigger throughput: POST /jobs/{name}/runs on the real Api, no Runner (runs stay queued)",
        () => TriggerThroughput.RunAsync(options, Say, ct));
    if (trigger is not null) Report.PrintTrigger(trigger, env);

    e2e = await Phase("e2e", "[2] Trigger → container start → finished: one Runner, 1 slot, job script `true`, one run at a time",
        () => EndToEnd.RunAsync(options, Say, ct));
    if (e2e is not null) Report.PrintEndToEnd(e2e);

    engineBaseline = await Phase("baseline.engine", "[3a] Baseline: the same container through the project's DockerEngine, no Narwhal",
        () => Baselines.EngineAsync(options, Say, ct));
    if (engineBaseline is not null) Report.PrintEngine(engineBaseline);

    cliBaseline = await Phase("baseline.cli", "[3b] Baseline: docker CLI",
        () => Baselines.CliAsync(options, Say, ct));
    if (cliBaseline is not null) Report.PrintCli(cliBaseline);

    liveTail = await Phase("logs.tail", $"[4a] Live-tail latency: a line every 200 ms for {options.TailLines} lines, container write → SSE follower receives it",
        () => LogPhases.LiveTailAsync(options, Say, ct));
    if (liveTail is not null) Report.PrintLiveTail(liveTail);

    logThroughput = await Phase("logs.throughput", $"[4b] Log throughput: a job writing {options.LogMb} MiB as fast as it can, followed over SSE, then checked",
        () => LogPhases.ThroughputAsync(options, Say, ct));
    if (logThroughput is not null) Report.PrintLogThroughput(logThroughput);

    runnerRss = await Phase("logs.rss", $"[4c] Runner RSS: the Runner as a separate process while a job writes {options.BigLogMb} MiB",
        () => LogPhases.RunnerRssAsync(options, Say, ct));
    if (runnerRss is not null) Report.PrintRunnerRss(runnerRss);

    fleet = await Phase("fleet", $"[5] Fleet: {options.FleetRuns} runs of `true` triggered at once, {options.FleetRunners} Runner processes × {options.FleetSlots} slots; " +
                                 $"then as many bare containers, {options.FleetRunners * options.FleetSlots} in flight",
        () => FleetPhase.RunAsync(options, Say, ct));
    if (fleet is not null) Report.PrintFleet(fleet);

    ui = await Phase("ui", $"[6] Web UI: server-side render time of the pages, a job with {options.UiRuns} runs, {options.UiRequests} GETs per page",
        () => UiPhase.RunAsync(options, Say, ct));
    if (ui is not null) Report.PrintUi(ui);

    pipelines = await Phase("pipelines", $"[7] Pipelines: start → {PipelinePhase.Width} parallel steps → end, {options.PipelineRunners} Runner processes × {options.PipelineSlots} slots; " +
                                         $"{options.Pipelines} one at a time, then {options.PipelineBurst} at once",
        () => PipelinePhase.RunAsync(options, Say, ct));
    if (pipelines is not null) PipelineReport.Print(pipelines);
}
catch (OperationCanceledException) when (ct.IsCancellationRequested)
{
    cancelled = true;
    failures.Add($"cancelled after {total.Elapsed.TotalSeconds:0} s (deadline {options.Deadline.TotalMinutes:0} min, or Ctrl+C)");
    Console.WriteLine($"  CANCELLED after {total.Elapsed.TotalSeconds:0} s");
}

foreach (var (name, count) in new (string, int)[]
         {
             ("trigger requests", trigger?.Failed ?? 0), ("end-to-end runs", e2e?.Failed ?? 0),
             ("engine baseline containers", engineBaseline?.Failed ?? 0), ("docker run baseline", cliBaseline?.Failed ?? 0),
         })
{
    if (count > 0) failures.Add($"{count} failed {name} (excluded from the figures)");
}

foreach (var (phase, problems, leftovers) in new (string, IReadOnlyList<string>?, IReadOnlyList<string>?)[]
         {
             ("live tail", liveTail?.Problems, liveTail?.LeftoversRemoved), ("log throughput", logThroughput?.Problems, logThroughput?.LeftoversRemoved),
             ("Runner RSS", runnerRss?.Problems, runnerRss?.LeftoversRemoved),
         })
{
    failures.AddRange(problems ?? []);
    if (leftovers is { Count: > 0 }) failures.Add($"{phase}: left behind and removed afterwards: {string.Join(", ", leftovers)}");
}
// The fleet's problems include its failed triggers, runs and bare containers, and its leftovers.
failures.AddRange((fleet?.Problems ?? []).Select(p => $"fleet: {p}"));
failures.AddRange((ui?.Problems ?? []).Select(p => $"ui: {p}"));
// As the fleet's: failed pipelines and triggers, the once-checks, the Runners, leftovers, the bare path.
failures.AddRange((pipelines?.Problems ?? []).Select(p => $"pipelines: {p}"));
if (ui?.LeftoversRemoved is { Count: > 0 } uiLeftovers) failures.Add($"ui: left behind and removed afterwards: {string.Join(", ", uiLeftovers)}");

Report.PrintSummary(env, trigger, e2e, engineBaseline, cliBaseline, liveTail, logThroughput, runnerRss, fleet, options);
Report.PrintUiSummary(ui, options);
PipelineReport.PrintSummary(pipelines, options);
Console.WriteLine();
Console.WriteLine($"Total {total.Elapsed.TotalSeconds:0} s; load avg at the end {BenchEnvironmentProbe.LoadAverage()}");

var outPath = Path.GetFullPath(options.Output);
try
{
    Directory.CreateDirectory(Path.GetDirectoryName(outPath)!);
    var json = new
    {
        schema = "narwhal-bench/1",
        environment = env,
        options = new
        {
            options.Triggers, options.Concurrency, options.TriggerWarmup, options.Runs, options.BaselineRuns, options.Warmup, options.PollMs,
            options.TailLines, options.LogMb, options.BigLogMb,
            options.FleetRuns, options.FleetRunners, options.FleetSlots, options.FleetConcurrency, options.FleetCpuMax,
            options.UiRuns, options.UiJobs, options.UiRequests,
            options.Pipelines, options.PipelineBurst, options.PipelineRunners, options.PipelineSlots,
            deadlineMinutes = options.Deadline.TotalMinutes, phases = options.Phases.Order().ToArray(),
        },
        percentileMethod = "nearest-rank; all durations in milliseconds",
        loadAverageAfterPhase = phaseLoad,
        trigger, endToEnd = e2e, engineBaseline, cliBaseline, liveTail, logThroughput, runnerRss, fleet, ui, pipelines,
        failures, totalSeconds = Math.Round(total.Elapsed.TotalSeconds, 1),
    };
    await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(json, Report.JsonOptions), CancellationToken.None);
    Console.WriteLine($"Results written to {outPath}");
}
catch (Exception ex)
{
    failures.Add($"could not write {outPath}: {ex.Message}");
}

if (failures.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("PROBLEMS:");
    foreach (var failure in failures) Console.WriteLine($"  - {failure}");
    return cancelled ? 1 : 3;
}
return 0;
