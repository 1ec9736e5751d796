namespace Narwhal.Bench;

public sealed record BenchOptions
{
    public int Triggers { get; init; } = 2000;
    public int Concurrency { get; init; } = 16;
    public int TriggerWarmup { get; init; } = 100;
    public int Runs { get; init; } = 60;
    public int BaselineRuns { get; init; } = 50;
    public int Warmup { get; init; } = 3;
    public int PollMs { get; init; } = 10;
    public int TailLines { get; init; } = 100;
    public int LogMb { get; init; } = 200;
    public int BigLogMb { get; init; } = 1024;
    public int FleetRuns { get; init; } = 1000;
    public int FleetRunners { get; init; } = 3;
    public int FleetSlots { get; init; } = 2;
    public int FleetConcurrency { get; init; } = 32;
    public int FleetCpuMax { get; init; } = 100;
    public int Pipelines { get; init; } = 5;
    public int PipelineBurst { get; init; } = 50;
    public int PipelineRunners { get; init; } = 3;
    public int PipelineSlots { get; init; } = 2;
    public int UiRuns { get; init; } = 10_000;
    public int UiJobs { get; init; } = 300;
    public int UiRequests { get; init; } = 200;
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(30);
    public string Output { get; init; } = Path.Combine("bench", "results", "latest.json");
    /// <summary>The defaults: every phase but pipelines, whose burst alone takes many minutes on 2 cores.</summary>
    public HashSet<string> Phases { get; init; } = ["trigger", "e2e", "baseline", "logs", "fleet", "ui"];

    /// <summary>Phase groups, and the phases inside them that can be picked alone (e.g. logs.rss).</summary>
    public static readonly string[] KnownPhases =
        ["trigger", "e2e", "baseline", "baseline.engine", "baseline.cli", "logs", "logs.tail", "logs.throughput", "logs.rss", "fleet", "ui", "pipelines"];

    /// <summary>Whether the phase <paramref name="key"/> ("baseline.cli") runs: named itself, or its group ("baseline") is.</summary>
    public bool Includes(string key) => Phases.Contains(key) || Phases.Contains(key.Split('.')[0]);

    public const string Usage = """
        Narwhal.Bench [options]      (normally run through bench/run.sh)

          --triggers N          POST /jobs/{name}/runs requests measured in phase 1         [2000]
          --concurrency N       requests in flight in phase 1                               [16]
          --trigger-warmup N    unmeasured requests before phase 1 (JIT, pools)             [100]
          --runs N              sequential trigger → finished runs in phase 2 (>= 1)        [60]
          --baseline-runs N     containers per baseline in phase 3 (each of 3a and 3b)      [50]
          --warmup N            unmeasured runs/containers before 2, 3, 5 (5: ×Runners)     [3]
          --poll-ms N           GET /runs/{id} polling interval in phase 2                  [10]
          --tail-lines N        timestamped lines (one per 200 ms) in the live-tail job     [100]
          --log-mb N            MiB of numbered lines written by the log throughput job     [200]
          --big-log-mb N        MiB written while the separate Runner's RSS is sampled      [1024]
          --fleet-runs N        runs triggered at once in phase 5 (as many bare containers) [1000]
          --fleet-runners N     Runner processes (each a dotnet process) in phase 5         [3]
          --fleet-slots N       slots per Runner in phase 5                                 [2]
          --fleet-concurrency N trigger requests in flight in phase 5                       [32]
          --fleet-cpu-max N     host-CPU gate of the Runners in phases 5 and 7, % (100=off) [100]
          --ui-runs N           runs of the one big job seeded for phase 6 (web UI)         [10000]
          --ui-jobs N           other jobs (3 runs each) seeded for phase 6                 [300]
          --ui-requests N       measured GETs per page in phase 6 (after 20 unmeasured)     [200]
          --pipelines N         pipelines run one at a time in phase 7 (22 steps each)      [5]
          --pipeline-burst N    pipelines triggered at once in phase 7                      [50]
          --pipeline-runners N  Runner processes in phase 7                                 [3]
          --pipeline-slots N    slots per Runner in phase 7                                 [2]
          --deadline-minutes N  the whole benchmark is cancelled after this long            [30]
          --out PATH            JSON results file                         [bench/results/latest.json]
          --phases LIST         comma-separated subset of trigger,e2e,baseline,logs,fleet,ui,
                                pipelines                                 [all but pipelines]
                                (single phases too: baseline.engine, baseline.cli,
                                logs.tail, logs.throughput, logs.rss)
        """;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
            int Int(int min) => int.TryParse(Value(), out var n) && n >= min ? n : throw new ArgumentException($"{arg} needs a whole number >= {min}.");
            options = arg switch
            {
                "--triggers" => options with { Triggers = Int(1) },
                "--concurrency" => options with { Concurrency = Int(1) },
                "--trigger-warmup" => options with { TriggerWarmup = Int(0) },
                "--runs" => options with { Runs = Int(1) },
                "--baseline-runs" => options with { BaselineRuns = Int(1) },
                "--warmup" => options with { Warmup = Int(0) },
                "--poll-ms" => options with { PollMs = Int(1) },
                "--tail-lines" => options with { TailLines = Int(2) },
                "--log-mb" => options with { LogMb = Int(1) },
                "--big-log-mb" => options with { BigLogMb = Int(1) },
                "--fleet-runs" => options with { FleetRuns = Int(1) },
                "--fleet-runners" => options with { FleetRunners = Int(1) },
                "--fleet-slots" => options with { FleetSlots = Int(1) },
                "--fleet-concurrency" => options with { FleetConcurrency = Int(1) },
                "--pipelines" => options with { Pipelines = Int(1) },
                "--pipeline-burst" => options with { PipelineBurst = Int(1) },
                "--pipeline-runners" => options with { PipelineRunners = Int(1) },
                "--pipeline-slots" => options with { PipelineSlots = Int(1) },
                "--ui-runs" => options with { UiRuns = Int(100) },
                "--ui-jobs" => options with { UiJobs = Int(0) },
                "--ui-requests" => options with { UiRequests = Int(1) },
                "--fleet-cpu-max" => options with { FleetCpuMax = Int(1) is var p && p <= 100 ? p : throw new ArgumentException($"{arg} takes 1-100.") },
                "--deadline-minutes" => options with { Deadline = TimeSpan.FromMinutes(Int(1)) },
                "--out" => options with { Output = Value() },
                "--phases" => options with { Phases = ParsePhases(Value()) },
                "-h" or "--help" => throw new HelpRequestedException(),
                _ => throw new ArgumentException($"Unknown option '{arg}'."),
            };
        }
        return options;
    }

    private static HashSet<string> ParsePhases(string list)
    {
        var phases = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var unknown = phases.Except(KnownPhases).ToList();
        if (phases.Count == 0 || unknown.Count > 0)
            throw new ArgumentException($"--phases takes a comma-separated subset of {string.Join(',', KnownPhases)} (got '{list}').");
        return phases;
    }

    public sealed class HelpRequestedException : Exception;
}
