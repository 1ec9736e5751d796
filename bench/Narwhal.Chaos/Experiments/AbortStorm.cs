
namespace Narwhal.Chaos.Experiments;

/// <summary>
/// Experiment 5: every run of a storm aborted at a random moment after its 201 (before, during or
/// after its container's life). Each run must end exactly once — aborted, or succeeded when the abort
/// came too late — with no container started twice and none left behind.
/// </summary>
public static class AbortStorm
{
    public const string Name = "5 abort storm";
    /// <summary>The runs sleep 3 s; aborts land from at once to a little after the end of the first wave.</summary>
    private static readonly TimeSpan LatestAbort = TimeSpan.FromSeconds(4);

    public static Task<ExperimentRow> RunAsync(ChaosContext ctx)
    {
        var random = new Random(ctx.Options.Seed);
        var runs = Math.Max(4, ctx.Options.Runs / 2);
        var answers = new Dictionary<string, int>();
        return Trial.RunAsync(ctx, Name, "abort", new StackPlan(Runners: 3, Slots: 2),
            new Dictionary<string, int> { ["abort-once"] = 0, ["abort-retried"] = 1 }, ["sleep 3"], async chaos =>
            {
                using var client = chaos.Client();
                client.Timeout = TimeSpan.FromSeconds(30);
                var faultAt = DateTime.UtcNow;
                var storm = await Storm.FireAsync(chaos, ["abort-once", "abort-retried"], runs, inFlight: 6, ctx.Ct, async run =>
                {
                    TimeSpan after;
                    lock (random) after = LatestAbort * random.NextDouble();
                    // The random moment is the experiment's input, not a wait for some state.
                    await Task.Delay(after, ctx.Ct);
                    string answer;
                    try
                    {
                        using var response = await client.PostAsync($"/runs/{run.Id}/abort", null, ctx.Ct);
                        answer = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                    catch (HttpRequestException ex)
                    {
                        answer = ex.GetType().Name;
                    }
                    lock (answers) answers[answer] = answers.GetValueOrDefault(answer) + 1;
                });
                var notes = new List<string> { $"abort answers: {string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Value} × {a.Key}"))}" };
                return new FaultOutcome(storm, faultAt, Notes: notes);
            });
    }
}
