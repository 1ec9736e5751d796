using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Narwhal.Core.Persistence;
using Narwhal.Testing;

namespace Narwhal.Chaos.Experiments;

/// <summary>
/// Experiment 8: pipelines while processes die. Pipelines of six steps (start → four parallel steps → end) run on
/// three Runner processes while two Runners, the Api and the Dispatcher (processes of their own here) each get
/// <c>kill -9</c> at random moments (<c>--seed</c>) and are started again. Every pipeline must end, planned whole or
/// not at all, no step executed more often than its <c>retry.onLost</c> allows (Docker start events), none stuck.
/// </summary>
public static class PipelineKill
{
    public const string Name = "8 pipelines, kill -9 of Runners/Api/Dispatcher";
    private const string Once = "pipe-once";
    private const string Retried = "pipe-retried";
    private static readonly string[] Middle = ["mid-1", "mid-2", "mid-3", "mid-4"];
    private static readonly int StepsPerPipeline = Middle.Length + 2;
    private static readonly Dictionary<string, int> OnLostByJob = new() { [Once] = 0, [Retried] = 1 };
    /// <summary>The faults, in an order the seed shuffles: two Runners, the Api, the Dispatcher.</summary>
    private static readonly string[] Faults = ["runner", "runner", "api", "dispatcher"];

    public static async Task<ExperimentRow> RunAsync(ChaosContext ctx)
    {
        var clock = Stopwatch.StartNew();
        ctx.Say($"{Name}: starting…");
        var plan = new StackPlan(Runners: 3, Slots: 2, ApiAsProcess: true, DispatcherAsProcess: true);
        ChaosStack? chaos = null;
        try
        {
            chaos = await ChaosStack.StartAsync("pipe", plan, ctx.LogDir, ctx.Say, ctx.Ct);
            foreach (var (job, onLost) in OnLostByJob) await PutPipelineAsync(chaos, job, onLost);
            var pipelines = Math.Max(4, ctx.Options.Runs / StepsPerPipeline);
            var storm = Storm.FireAsync(chaos, [Once, Retried], pipelines, inFlight: 2, ctx.Ct);
            await Trial.UntilStartsAsync(chaos, 1, TimeSpan.FromSeconds(120), ctx.Ct);
            var killed = new Dictionary<string, DateTime>();
            var notes = await StrikeAsync(ctx, chaos, plan, await storm, killed);
            var accepted = (await storm).Accepted;
            ctx.Say($"  {accepted.Count} pipeline(s) accepted; waiting for them to end…");
            var waitProblem = await Tally.WaitUntilEndedAsync(chaos, accepted, TimeSpan.FromSeconds(120 + 10 * accepted.Count), TimeSpan.FromSeconds(60), ctx.Ct);
            var (outcomes, steps) = await PipelineTally.LoadAsync(chaos, accepted, ctx.Ct);
            await Tally.SettleEventsAsync(chaos.Events, [.. steps.Select(s => new AcceptedRun(s.Key, s.Id, DateTime.UtcNow))]);
            var events = chaos.Events;
            await chaos.DisposeAsync();
            var stack = chaos;
            chaos = null;
            var row = PipelineTally.Count(Name, await storm, outcomes, steps, events, StepsPerPipeline, OnLostByJob, killed, stack.Leftovers, waitProblem, notes);
            ctx.Say($"{Name}: done in {clock.Elapsed.TotalSeconds:0} s; promise {(row.PromiseKept ? "kept" : $"BROKEN ({row.Violations.Count} violation(s))")}");
            return row;
        }
        catch (Exception ex) when (!ctx.Ct.IsCancellationRequested)
        {
            ctx.Say($"{Name}: could not run: {ex.GetType().Name}: {ex.Message}");
            return ExperimentRow.Broken(Name, $"{ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
        }
        finally
        {
            if (chaos is not null) await chaos.DisposeAsync();
        }
    }

    /// <summary>start → mid-1 … mid-4 (<c>sleep 1</c> each, in parallel) → end, with the job's <c>retry.onLost</c> for every step.</summary>
    private static async Task PutPipelineAsync(ChaosStack chaos, string job, int onLost)
    {
        var steps = new Dictionary<string, object> { ["start"] = new { script = new[] { "echo start" } } };
        foreach (var key in Middle) steps[key] = new { needs = new[] { "start" }, script = new[] { $"echo {key}", "sleep 1" } };
        steps["end"] = new { needs = Middle, script = new[] { "echo end" } };
        object body = onLost > 0
            ? new { type = "freestyle", image = TestEnvironment.BusyboxImage, retry = new { onLost }, steps }
            : new { type = "freestyle", image = TestEnvironment.BusyboxImage, steps };
        using var client = chaos.Client();
        using var put = await client.PutAsJsonAsync($"/jobs/{job}", body, Json.Options);
        if (!put.IsSuccessStatusCode)
            throw new InvalidOperationException($"PUT /jobs/{job} answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// The faults in a seeded order, each at a random moment 1-4 s after the previous one is over (its victim started
    /// again), as long as a pipeline is still open; the Api and the Dispatcher stay dead 1-3 s before their restart.
    /// </summary>
    /// <param name="killed">Filled: when each Runner killed was first killed.</param>
    private static async Task<List<string>> StrikeAsync(ChaosContext ctx, ChaosStack chaos, StackPlan plan, StormResult storm,
        Dictionary<string, DateTime> killed)
    {
        var random = new Random(ctx.Options.Seed);
        var order = Faults.OrderBy(_ => random.Next()).ToList();
        var since = Stopwatch.StartNew();
        var struck = new List<string>();
        foreach (var fault in order)
        {
            // The random moments are the experiment's input, not a wait for some state.
            await Task.Delay(TimeSpan.FromSeconds(1 + 3 * random.NextDouble()), ctx.Ct);
            if (await PipelineTally.OpenAsync(chaos, storm.Accepted, ctx.Ct) == 0)
            {
                struck.Add($"every pipeline ended before the {fault} kill: {order.Count - struck.Count} fault(s) not applied");
                break;
            }
            var at = since.Elapsed;
            var outage = TimeSpan.FromSeconds(1 + 2 * random.NextDouble());
            switch (fault)
            {
                case "runner":
                    var alive = chaos.Runners.Where(r => !r.HasExited).ToList();
                    var victim = alive[random.Next(alive.Count)];
                    var running = await chaos.RunningOnAsync(victim.RunnerId, ctx.Ct);
                    killed.TryAdd(victim.RunnerId, DateTime.UtcNow);
                    await victim.KillAsync();
                    await chaos.RestartRunnerAsync(victim.RunnerId, plan.Slots);
                    struck.Add($"{Seconds(at)}: kill -9 of Runner {victim.RunnerId} while it ran {running} run(s), started again {Seconds(since.Elapsed - at)} later");
                    break;
                case "api":
                    await chaos.KillApiAsync();
                    await Task.Delay(outage, ctx.Ct);
                    await chaos.RestartApiAsync();
                    struck.Add($"{Seconds(at)}: kill -9 of the Api, started again after {Seconds(outage)}, ready {Seconds(since.Elapsed - at)} after the kill");
                    break;
                case "dispatcher":
                    await chaos.KillDispatcherAsync();
                    await Task.Delay(outage, ctx.Ct);
                    await chaos.RestartDispatcherAsync();
                    struck.Add($"{Seconds(at)}: kill -9 of the Dispatcher, started again after {Seconds(outage)}, ready {Seconds(since.Elapsed - at)} after the kill");
                    break;
            }
            ctx.Say($"  {struck[^1]}");
        }
        return struck;
    }

    private static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.0} s");
}
