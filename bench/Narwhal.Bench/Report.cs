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

    private const int Label = 52;

    private static string Ms(double value) => double.IsFinite(value) ? value.ToString("0.0") : "-";

    private static string Header(string indent, string title = "") =>
        $"{indent}{title.PadRight(Label)} {"n",5} {"p50",8} {"p90",8} {"p99",8} {"max",8} {"mean",8}   (ms)";

    private static string Row(string indent, string label, Series s) =>
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

    public static void PrintSummary(BenchEnvironment env, TriggerResult? trigger, EndToEndResult? e2e,
        EngineBaselineResult? engine, CliBaselineResult? cli, BenchOptions options)
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
