using System.Diagnostics;
using Dapper;
using Narwhal.Core.Runs;
using Narwhal.Testing;

namespace Narwhal.Bench;

/// <summary>
/// Waiting for a burst of runs to end, by polling their counts per status in Postgres (one small
/// <c>GROUP BY</c>, not a GET per run).
/// </summary>
public static class TerminalWait
{
    /// <summary>Nothing ended for this long: something is stuck, stop waiting.</summary>
    public static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(120);

    public sealed record Outcome(long? AllTerminalUnixNs, string? StoppedBecause);

    /// <summary>
    /// Polls <paramref name="counts"/> every 250 ms until <paramref name="expected"/> runs are terminal and none is
    /// waiting, queued or running. Gives up at the deadline, when none has ended for <see cref="StallLimit"/>, or
    /// when every Runner process has exited.
    /// </summary>
    public static async Task<Outcome> UntilAsync(Func<Task<Dictionary<string, int>>> counts, int expected, TimeSpan deadline,
        IReadOnlyList<RunnerProcess> runners, Action<string> say, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var (lastTerminal, lastProgress, lastSaid) = (-1, TimeSpan.Zero, TimeSpan.Zero);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (true)
        {
            var now = await counts();
            var active = now.Where(c => RunStatusNames.Parse(c.Key).IsActive()).Sum(c => c.Value);
            var terminal = now.Values.Sum() - active;
            if (active == 0 && terminal >= expected) return new Outcome(WallClock.NowUnixNs(), null);
            if (terminal != lastTerminal) (lastTerminal, lastProgress) = (terminal, clock.Elapsed);
            if (clock.Elapsed - lastSaid >= TimeSpan.FromSeconds(20))
            {
                lastSaid = clock.Elapsed;
                if (clock.Elapsed > TimeSpan.FromSeconds(1)) say($"  {clock.Elapsed.TotalSeconds:0} s: {terminal} of {expected} ended ({Describe(now)})");
            }
            string? stop = null;
            if (clock.Elapsed > deadline) stop = $"{terminal} of {expected} runs ended within the deadline of {deadline.TotalSeconds:0} s";
            else if (clock.Elapsed - lastProgress > StallLimit) stop = $"no run ended for {StallLimit.TotalSeconds:0} s ({terminal} of {expected} ended)";
            else if (runners.All(r => r.HasExited)) stop = $"every Runner process exited ({terminal} of {expected} ended)";
            if (stop is not null) return new Outcome(null, $"{stop}: {Describe(now)}");
            await timer.WaitForNextTickAsync(ct);
        }
    }

    /// <summary>Runs per status that <paramref name="sql"/> (selecting status and count) finds.</summary>
    public static async Task<Dictionary<string, int>> CountsAsync(TestStack stack, string sql, object parameters)
    {
        await using var connection = await stack.Database.DataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(string Status, int Count)>(sql, parameters);
        return rows.ToDictionary(r => r.Status, r => r.Count, StringComparer.Ordinal);
    }

    public static string Describe(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "no runs" : string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Value} {c.Key}"));
}
