using System.Text.Json;
using System.Text.Json.Serialization;

namespace Narwhal.Bench;

/// <summary>The plain-text report and the JSON options of the results file.</summary>
public static class Report
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new RoundedDouble() },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    internal const int Label = 52;

    internal static string Ms(double value) => double.IsFinite(value) ? value.ToString("0.0") : "-";

    internal static string Header(string indent, string title = "") =>
        $"{indent}{title.PadRight(Label)} {"n",5} {"p50",8} {"p90",8} {"p99",8} {"max",8} {"mean",8}   (ms)";

    internal static string Row(string indent, string label, Series s) =>
        $"{indent}{label.PadRight(Label)} {s.N,5} {Ms(s.P50),8} {Ms(s.P90),8} {Ms(s.P99),8} {Ms(s.Max),8} {Ms(s.Mean),8}";

    public static void PrintTrigger(TriggerResult r, BenchEnvironment env)
    {
        Console.WriteLine($"  requests    {r.Accepted} of {r.Requested} accepted (201), {r.Failed} failed; {r.Concurrency} in flight; " +
                          $"{r.Warmup} warm-up requests before, not counted");
        Console.WriteLine($"  throughput  {r.RunsPerSecond:0.0} runs/s accepted ({r.Accepted} in {r.ElapsedSeconds:0.00} s)");
        Console.WriteLine($"  latency     p50 {Ms(r.Latency.P50)} ms, p90 {Ms(r.Latency.P90)} ms, p99 {Ms(r.Latency.P99)} ms, " +
                          $"max {Ms(r.Latency.Max)} ms (mean {Ms(r.Latency.Mean)} ms): request sent → 201 body read");
        Console.WriteLine($"  left behind {r.RunsStored} runs stored, {r.OutboxUnpublished} outbox rows unpublished; {r.QueueNote}");
        Console.WriteLine($"  postgres    fsync={env.Fsync}, synchronous_commit={env.SynchronousCommit}; the Api's pool: 10 connections (TestStack)");
        foreach (var error in r.FirstErrors) Console.WriteLine($"  error       {error}");
    }

    public static void PrintEndToEnd(EndToEndResult r)
    {
        Console.WriteLine($"  {r.Runs - r.Failed} of {r.Runs} runs succeeded ({r.Warmup} warm-up runs before, not counted); {r.WallSeconds:0.0} s");
        Console.WriteLine(Header("  "));
        foreach (var s in new[] { r.TriggerAnswered, r.TriggerToStart, r.TriggerToDie, r.TriggerToTerminal, r.StartToTerminal })
            Console.WriteLine(Row("  ", s.Name, s));
        Console.WriteLine("  t0 = just before the trigger POST is sent. Container start/die = the Docker events' timeNano");
        Console.WriteLine($"  (engine clock, same host). Terminal = first GET /runs/{{id}} answer with a terminal status, polled every {r.PollMs} ms.");
        foreach (var error in r.FirstErrors) Console.WriteLine($"  error  {error}");
    }

    public static void PrintEngine(EngineBaselineResult r)
    {
        Console.WriteLine($"  {r.Runs - r.Failed} of {r.Runs} containers exited 0 ({r.Warmup} warm-up before, not counted); Cmd {JsonSerializer.Serialize(r.Command)}, {r.Limits}");
        Console.WriteLine(Header("  "));
        foreach (var s in new[] { r.CreateReturned, r.StartReturned, r.StartEvent, r.Exit, r.Removed }) Console.WriteLine(Row("  ", s.Name, s));
        Console.WriteLine("  t0 = just before POST /containers/create. Start (event) = the Docker start event's timeNano.");
        foreach (var error in r.FirstErrors) Console.WriteLine($"  error  {error}");
    }

    public static void PrintCli(CliBaselineResult r)
    {
        Console.WriteLine($"  `{r.CommandLine}`: {r.Runs - r.Failed} of {r.Runs} exited 0 ({r.Warmup} warm-up before, not counted)");
        Console.WriteLine(Header("  "));
        Console.WriteLine(Row("  ", "process wall time", r.Wall));
        foreach (var error in r.FirstErrors) Console.WriteLine($"  error  {error}");
    }

    private static string TailHeader(string indent, string title = "") =>
        $"{indent}{title.PadRight(Label)} {"n",5} {"p50",8} {"p95",8} {"max",8} {"mean",8} {"min",8}   (ms)";

    private static string TailRow(string indent, string label, Series s) =>
        $"{indent}{label.PadRight(Label)} {s.N,5} {Ms(s.P50),8} {Ms(s.P95),8} {Ms(s.Max),8} {Ms(s.Mean),8} {Ms(s.Min),8}";

    internal static string Num(double value, string format = "0.0") => double.IsFinite(value) ? value.ToString(format) : "-";

    private static string Verdict(LogCheck c) =>
        c.Complete
            ? $"complete and in order ({c.Lines} lines, {c.Bytes} bytes)"
            : $"NOT complete/in order: {c.Lines} of {c.ExpectedLines} lines, {c.Bytes} of {c.ExpectedBytes} bytes, {c.BadLines} bad lines" +
              $"{(c.OffsetMismatches > 0 ? $", {c.OffsetMismatches} offset mismatches" : "")}";

    public static void PrintLiveTail(LiveTailResult r)
    {
        Console.WriteLine($"  {r.LinesReceived} of {r.Lines} lines reached the follower ({r.LinesMissing} missing, {r.LinesOutOfOrder} out of order) " +
                          $"in {r.LogEvents} SSE log events; run {r.Status}");
        Console.WriteLine(TailHeader("  "));
        Console.WriteLine(TailRow("  ", r.Latency.Name, r.Latency));
        Console.WriteLine($"  write time: CLOCK_REALTIME read with adjtimex(2) in the container just before the line's echo (busybox date has no %N);");
        Console.WriteLine($"  one stamp takes {Num(r.StampCostMs, "0.00")} ms, so a write time is at most that early. Receive time: the host's");
        Console.WriteLine("  wall clock when the follower reads the event's data line. Same kernel clock, no offset to correct.");
        foreach (var problem in r.Problems) Console.WriteLine($"  problem  {problem}");
    }

    public static void PrintLogThroughput(LogThroughputResult r)
    {
        Console.WriteLine($"  {r.MiB} MiB = {r.Lines} numbered lines of {NumberedLog.LineBytes} bytes; run {r.Status}, logSize {r.LogSize?.ToString() ?? "-"}, " +
                          $"truncated {r.LogTruncated.ToString().ToLowerInvariant()}");
        Console.WriteLine($"  container start → terminal status  {Num(r.StartToTerminalSeconds, "0.00"),7} s  {Num(r.MiBPerSecond),7} MiB/s   " +
                          $"(start = Docker event; terminal = GET /runs/{{id}} polled every {r.PollMs} ms)");
        Console.WriteLine($"  container start → die              {Num(r.StartToDieSeconds, "0.00"),7} s  {Num(r.ContainerMiBPerSecond),7} MiB/s   " +
                          "(the job's own writing into the engine)");
        Console.WriteLine($"  die → terminal                     {Num(r.DieToTerminalSeconds, "0.00"),7} s             (drain, last chunks, upload to S3, report)");
        Console.WriteLine($"  arriving at an SSE follower        {Num(r.FollowerMiBPerSecond),7} MiB/s   (first to last log byte; first byte " +
                          $"{Num(r.FollowerFirstByteAfterStartSeconds, "0.00")} s, last byte {Num(r.FollowerLastByteAfterStartSeconds, "0.00")} s after the container started, " +
                          $"{Num(r.FollowerLastByteAfterTerminalSeconds, "+0.00;-0.00")} s from the terminal status)");
        Console.WriteLine($"                                     {r.FollowerEvents} log events, mean {Num(r.Follower.Bytes / 1024.0 / Math.Max(1, r.FollowerEvents))} KiB " +
                          $"(the Api sends one event per stored chunk; a chunk holds at most {Narwhal.Runner.Execution.LogShipper.ChunkBytes / 1024} KiB)");
        Console.WriteLine($"  follower's copy: {Verdict(r.Follower)}");
        Console.WriteLine($"  stored log:      {Verdict(r.Stored)}; read back at {Num(r.StoredReadMiBPerSecond)} MiB/s");
        foreach (var error in r.Follower.FirstErrors.Concat(r.Stored.FirstErrors)) Console.WriteLine($"  error    {error}");
        foreach (var problem in r.Problems) Console.WriteLine($"  problem  {problem}");
    }

    public static void PrintRunnerRss(RunnerRssResult r)
    {
        Console.WriteLine($"  Runner process `{r.RunnerCommand}` ({r.RunnerGc} GC, NARWHAL_LOG_MAX_MB={r.LogMaxMb}, 1 slot); " +
                          $"VmRSS from /proc/<pid>/status every {r.SampleIntervalMs} ms ({r.Samples} samples)");
        Console.WriteLine($"  job: {r.MiB} MiB of numbered lines; run {r.Status}, logSize {r.LogSize?.ToString() ?? "-"}, truncated {r.LogTruncated.ToString().ToLowerInvariant()}; " +
                          $"container start → die {Num(r.StartToDieSeconds, "0.0")} s, → terminal {Num(r.StartToTerminalSeconds, "0.0")} s ({Num(r.MiBPerSecond)} MiB/s)");
        Console.WriteLine($"  RSS when ready                  {Num(r.RssAtReadyMiB),8} MiB");
        Console.WriteLine($"  RSS before the job              {Num(r.RssBeforeJobMiB),8} MiB   (after one warm-up run)");
        Console.WriteLine($"  peak RSS during the job         {Num(r.PeakRssMiB),8} MiB   ({Num(r.PeakRssMiB - r.RssBeforeJobMiB, "+0.0;-0.0")} MiB; sampled, " +
                          $"{Num(r.PeakAtSeconds, "0.0")} s after the trigger)");
        Console.WriteLine($"    while the container ran       {Num(r.PeakWhileContainerRanMiB),8} MiB   (container start {Num(r.ContainerStartAtSeconds, "0.0")} s → die {Num(r.ContainerDieAtSeconds, "0.0")} s)");
        Console.WriteLine($"    after it exited               {Num(r.PeakAfterContainerExitedMiB),8} MiB   (die → terminal at {Num(r.TerminalAtSeconds, "0.0")} s: " +
                          "rest of the log stream, last chunks, upload to S3, report)");
        Console.WriteLine($"  VmHWM at the end                {Num(r.VmHwmMiB),8} MiB   (the kernel's peak RSS over the process's life)");
        Console.WriteLine($"  RSS after the run               {Num(r.RssAfterRunMiB),8} MiB");
        Console.WriteLine($"  Runner CPU, trigger → terminal  {Num(r.CpuSecondsDuringJob),8} s     ({Num(r.CpuPercentOfOneCore, "0")}% of one core; utime + stime from /proc/<pid>/stat)");
        Console.WriteLine($"  stopped with SIGTERM: exit code {r.RunnerExitCode?.ToString() ?? "-"} after {Num(r.RunnerStopSeconds, "0.0")} s{(r.RunnerKilled ? " (KILLED after the grace period)" : "")}; log {r.RunnerLog}");
        foreach (var problem in r.Problems) Console.WriteLine($"  problem  {problem}");
    }

    public static void PrintFleet(FleetResult r)
    {
        Console.WriteLine($"  {r.Runners} Runner processes × {r.SlotsPerRunner} slots (`{r.RunnerCommand}`), all ready {Num(r.RunnersReadySeconds)} s after the start; " +
                          $"{r.WarmupRuns} warm-up runs before, not counted");
        Console.WriteLine($"  setup         {r.Setup}");
        Console.WriteLine($"  triggers      {r.Triggered} of {r.Runs} accepted in {Num(r.TriggerSeconds, "0.00")} s ({Num(r.TriggersPerSecond, "0")} runs/s, " +
                          $"{r.TriggerConcurrency} in flight){(r.TriggerFailed > 0 ? $"; {r.TriggerFailed} FAILED" : "")}");
        Console.WriteLine($"  outcome       {(r.Succeeded == r.Triggered && r.Triggered == r.Runs ? "all succeeded" : "NOT all succeeded")}: " +
                          $"{string.Join(", ", r.ByStatus.Select(s => $"{s.Value} {s.Key}"))}{(r.WaitStopped is null ? "" : $"; stopped waiting: {r.WaitStopped}")}");
        Console.WriteLine($"  executed once {r.StartEvents} container start events for {r.ByStatus.Values.Sum()} runs: {r.RunsStartedTwice} run(s) started more than once, " +
                          $"{r.RunsNeverStarted} never started; {r.RunsClaimedMoreThanOnce} claimed more than once (attempt > 1)");
        Console.WriteLine($"  total         first trigger → last run finished {Num(r.TotalSeconds, "0.0")} s: {Num(r.RunsPerSecond, "0.00")} runs/s succeeded " +
                          $"(the poll saw all ended at {Num(r.ObservedSeconds, "0.0")} s)");
        Console.WriteLine($"  per Runner    {string.Join(", ", r.ByRunner.Select(b => $"{b.Key} {b.Value}"))}");
        Console.WriteLine(Header("  "));
        foreach (var s in new[] { r.TriggerLatency, r.Pickup, r.SlotRefill, r.ClaimToContainerStart, r.TriggerToTerminal })
            Console.WriteLine(Row("  ", s.Name, s));
        Console.WriteLine($"  Pickup = runs.started_at (the claim) − runs.{r.PickupFrom}; with {r.Runs} runs queued at once it is mostly the wait for a");
        Console.WriteLine("  free slot. Slot refill = a run's finished_at → the next claim by the same Runner, only while runs were waiting:");
        Console.WriteLine("  what Narwhal adds per run between two jobs. All run times are Postgres's now(); container start = Docker's event time.");
        if (r.Bare is { } bare)
        {
            Console.WriteLine($"  bare          {bare.Containers - bare.Failed} of {bare.Containers} containers (DockerEngine create → start → wait → remove, " +
                              $"{bare.Concurrency} in flight, {bare.Warmup} warm-up): {Num(bare.WallSeconds, "0.0")} s, {Num(bare.ContainersPerSecond, "0.00")} containers/s");
            Console.WriteLine(Row("  ", bare.CreateToRemoved.Name, bare.CreateToRemoved));
            Console.WriteLine($"  ratio         Narwhal {Num(r.RunsPerSecond, "0.00")} runs/s ÷ bare {Num(bare.ContainersPerSecond, "0.00")} containers/s = {Num(r.BareRatio, "0.00")} " +
                              $"(same total concurrency, {r.Runners * r.SlotsPerRunner}; load average after the Narwhal half {r.LoadAfterNarwhal}, " +
                              $"after the bare half {r.LoadAfterBare})");
        }
        else Console.WriteLine("  bare          (not measured)");
        Console.WriteLine($"  Runners       stopped with SIGTERM: {string.Join("; ", r.RunnerStops.Select(s => $"{s.RunnerId} exit {s.ExitCode?.ToString() ?? "-"} after {Num(s.Seconds)} s{(s.Killed ? " KILLED" : "")}"))}");
        Console.WriteLine($"                logs {string.Join(", ", r.RunnerStops.Select(s => $"{s.Log} ({s.Warnings} warnings, {s.Errors} errors)"))}");
        foreach (var error in r.FirstErrors) Console.WriteLine($"  error    {error}");
        foreach (var problem in r.Problems) Console.WriteLine($"  problem  {problem}");
    }

    public static void PrintSummary(BenchEnvironment env, TriggerResult? trigger, EndToEndResult? e2e,
        EngineBaselineResult? engine, CliBaselineResult? cli, LiveTailResult? tail, LogThroughputResult? throughput, RunnerRssResult? rss,
        FleetResult? fleet, BenchOptions options)
    {
        Console.WriteLine();
        Console.WriteLine("=== Summary " + new string('=', 90));
        Console.WriteLine($"Postgres: fsync={env.Fsync}, synchronous_commit={env.SynchronousCommit}. {env.Cores} cores, load avg at start {env.LoadAverageAtStart}. " +
                          "Percentiles nearest-rank.");
        Console.WriteLine(Header("", ""));
        Console.WriteLine("Trigger throughput (Api only, no Runner)");
        if (trigger is null) Console.WriteLine("  (not measured)");
        else
        {
            Console.WriteLine($"  accepted: {trigger.RunsPerSecond:0.0} runs/s ({trigger.Accepted} POSTs, {trigger.Concurrency} in flight, " +
                              $"fsync={env.Fsync}, synchronous_commit={env.SynchronousCommit})");
            Console.WriteLine(Row("  ", $"trigger latency, {trigger.Concurrency} in flight", trigger.Latency));
        }
        Console.WriteLine("Narwhal, one run at a time, 1 Runner slot, script `true`");
        if (e2e is null) Console.WriteLine("  (not measured)");
        else
        {
            Console.WriteLine(Row("  ", "trigger → 201 answer", e2e.TriggerAnswered));
            Console.WriteLine(Row("  ", "trigger → container start (Docker event)", e2e.TriggerToStart));
            Console.WriteLine(Row("  ", "trigger → container die (Docker event)", e2e.TriggerToDie));
            Console.WriteLine(Row("  ", $"trigger → finished (API terminal, {e2e.PollMs} ms poll)", e2e.TriggerToTerminal));
        }
        Console.WriteLine("Bare container, same image and command, no Narwhal");
        if (engine is null) Console.WriteLine("  (DockerEngine baseline not measured)");
        else
        {
            Console.WriteLine(Row("  ", "DockerEngine create → start returned", engine.StartReturned));
            Console.WriteLine(Row("  ", "DockerEngine create → start (Docker event)", engine.StartEvent));
            Console.WriteLine(Row("  ", "DockerEngine create → exit (wait returned)", engine.Exit));
            Console.WriteLine(Row("  ", "DockerEngine create → removed", engine.Removed));
        }
        if (cli is null) Console.WriteLine("  (docker CLI baseline not measured)");
        else Console.WriteLine(Row("  ", "docker run --rm (wall time)", cli.Wall));

        if (e2e is not null && engine is not null)
        {
            Console.WriteLine("Narwhal's share (p50 minus p50; a rough figure, not a distribution)");
            Console.WriteLine($"  to container start: {Ms(e2e.TriggerToStart.P50 - engine.StartEvent.P50)} ms " +
                              "(trigger → start event, minus create → start event)");
            Console.WriteLine($"  to finished:        {Ms(e2e.TriggerToTerminal.P50 - engine.Removed.P50)} ms " +
                              "(trigger → API terminal, minus create → removed: the Runner also removes the container before reporting)");
        }

        if (new[] { "logs.tail", "logs.throughput", "logs.rss" }.Any(options.Includes)) PrintLogsSummary(tail, throughput, rss);
        PrintFleetSummary(fleet, options);
    }

    private static void PrintLogsSummary(LiveTailResult? tail, LogThroughputResult? throughput, RunnerRssResult? rss)
    {
        Console.WriteLine("Live console logs (Runner spool → Postgres chunks + NOTIFY → Api SSE)");
        Console.WriteLine(TailHeader("", ""));
        if (tail is null) Console.WriteLine("  (live tail not measured)");
        else Console.WriteLine(TailRow("  ", $"live tail: container write → SSE follower ({tail.IntervalMs} ms)", tail.Latency));
        if (throughput is null) Console.WriteLine("  (log throughput not measured)");
        else
        {
            var t = throughput;
            Console.WriteLine($"  {$"log throughput, {t.MiB} MiB: start → terminal".PadRight(Label)} {Num(t.MiBPerSecond),8} MiB/s  ({Num(t.StartToTerminalSeconds, "0.0")} s; " +
                              $"start → die {Num(t.ContainerMiBPerSecond)} MiB/s)");
            Console.WriteLine($"  {$"log throughput, {t.MiB} MiB: arriving at SSE follower".PadRight(Label)} {Num(t.FollowerMiBPerSecond),8} MiB/s  " +
                              $"(last byte {Num(t.FollowerLastByteAfterStartSeconds, "0.0")} s after start)");
            Console.WriteLine($"  {$"log throughput, {t.MiB} MiB: copies checked".PadRight(Label)} follower {(t.Follower.Complete ? "complete, in order" : "INCOMPLETE")}, " +
                              $"stored {(t.Stored.Complete ? "complete, in order" : "INCOMPLETE")}");
        }
        if (rss is null) Console.WriteLine("  (Runner RSS not measured)");
        else
        {
            Console.WriteLine($"  {$"Runner RSS (own process), job writing {rss.MiB} MiB".PadRight(Label)} peak {Num(rss.PeakRssMiB)} MiB sampled, VmHWM {Num(rss.VmHwmMiB)} MiB; " +
                              $"before the job {Num(rss.RssBeforeJobMiB)} MiB");
            Console.WriteLine($"  {"  peak while the container ran / after it exited".PadRight(Label)} {Num(rss.PeakWhileContainerRanMiB),8} MiB / {Num(rss.PeakAfterContainerExitedMiB)} MiB");
            Console.WriteLine($"  {$"  same job: start → terminal".PadRight(Label)} {Num(rss.MiBPerSecond),8} MiB/s  ({Num(rss.StartToTerminalSeconds, "0.0")} s; " +
                              $"Runner CPU {Num(rss.CpuSecondsDuringJob)} s)");
        }
    }

    public static void PrintUi(UiResult r)
    {
        Console.WriteLine($"  seeded      {r.Runs} runs of one job and {r.OtherJobs} jobs × 3 runs in {r.SeedSeconds:0.0} s; " +
                          $"{r.Requests} GETs per page one at a time, {r.Warmup} unmeasured before");
        Console.WriteLine(Header("  "));
        foreach (var page in r.Pages)
        {
            Console.WriteLine($"  {page.Name} ({page.Bytes / 1024} KiB)");
            Console.WriteLine(Row("    ", page.Server.Name, page.Server));
            Console.WriteLine(Row("    ", page.Client.Name, page.Client));
        }
        Console.WriteLine("  server = the Api's Server-Timing (first middleware → first byte, session check included);");
        Console.WriteLine("  client = request sent → whole page read, over loopback, from this same process.");
    }

    public static void PrintUiSummary(UiResult? ui, BenchOptions options)
    {
        if (!options.Includes("ui")) return;
        Console.WriteLine($"Web UI: server-side render time, a job with {options.UiRuns} runs (target: p99 under 100 ms)");
        if (ui is null)
        {
            Console.WriteLine("  (not measured)");
            return;
        }
        Console.WriteLine(Header("", ""));
        foreach (var page in ui.Pages) Console.WriteLine(Row("  ", page.Name, page.Server));
    }

    private static void PrintFleetSummary(FleetResult? fleet, BenchOptions options)
    {
        if (!options.Includes("fleet")) return;
        Console.WriteLine($"Fleet: {options.FleetRuns} runs triggered at once, {options.FleetRunners} Runner processes × {options.FleetSlots} slots, script `true`");
        if (fleet is null)
        {
            Console.WriteLine("  (not measured)");
            return;
        }
        Console.WriteLine($"  {$"all succeeded".PadRight(Label)} {(fleet.Succeeded == fleet.Runs ? "yes" : "NO")}: {fleet.Succeeded} of {fleet.Runs}" +
                          $"{(fleet.WaitStopped is null ? "" : " (stopped waiting)")}");
        Console.WriteLine($"  {"executed twice / never started".PadRight(Label)} {fleet.RunsStartedTwice} / {fleet.RunsNeverStarted} " +
                          $"(container start events per run id; {fleet.RunsClaimedMoreThanOnce} claimed more than once)");
        Console.WriteLine($"  {"first trigger → last run finished".PadRight(Label)} {Num(fleet.TotalSeconds, "0.0")} s, {Num(fleet.RunsPerSecond, "0.00")} runs/s");
        if (fleet.Bare is { } bare)
            Console.WriteLine($"  {$"bare containers, {bare.Concurrency} in flight".PadRight(Label)} {Num(bare.WallSeconds, "0.0")} s, " +
                              $"{Num(bare.ContainersPerSecond, "0.00")} containers/s; Narwhal ÷ bare = {Num(fleet.BareRatio, "0.00")}");
        else Console.WriteLine($"  {"bare containers".PadRight(Label)} (not measured)");
        Console.WriteLine(Header("  "));
        Console.WriteLine(Row("  ", $"pickup under load (claim − {fleet.PickupFrom.Split(' ')[0]})", fleet.Pickup));
        Console.WriteLine(Row("  ", "slot refill (finished → next claim)", fleet.SlotRefill));
        Console.WriteLine(Row("  ", "trigger → terminal", fleet.TriggerToTerminal));
    }

    /// <summary>Durations to 3 decimals (µs); NaN (no samples) as null.</summary>
    private sealed class RoundedDouble : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(Math.Round(value, 3));
            else writer.WriteNullValue();
        }
    }
}
