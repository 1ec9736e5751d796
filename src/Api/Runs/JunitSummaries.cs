using Narwhal.Core.Persistence;
using Narwhal.Core.Results;
using Narwhal.Core.Storage;

namespace Narwhal.Api.Runs;

/// <summary>
/// A pipeline's JUnit summary: its steps' summaries added up when asked for (each step's Runner writes its own when
/// the step ends, so there is nothing to keep in step). File names and the suite of each failure are prefixed with
/// the step's key (<c>test/TEST-api.xml</c>), so every line says where it came from.
/// </summary>
public static class JunitSummaries
{
    /// <summary>The caps a single run's summary has (the Runner's <c>JunitSummary</c> defaults): a pipeline's answer is no larger.</summary>
    public const int MaxSuites = 1000;
    public const int MaxFailures = 200;

    /// <param name="keys">Step key and stored summary of each step that has one, in step order.</param>
    public static async Task<JunitSummaryResult> CombineAsync(IObjectStore store, IReadOnlyList<(string Key, string SummaryKey)> keys, CancellationToken ct)
    {
        var parts = new List<(string Step, JunitSummaryResult Summary)>(keys.Count);
        foreach (var (step, key) in keys)
        {
            await using var stored = await store.GetAsync(key, null, ct);
            // Gone from storage (retention raced this read): that step adds nothing rather than failing the whole answer.
            if (stored is null) continue;
            using var reader = new StreamReader(stored.Content);
            parts.Add((step, Json.Deserialize<JunitSummaryResult>(await reader.ReadToEndAsync(ct))));
        }
        return Combine(parts);
    }

    public static JunitSummaryResult Combine(IReadOnlyList<(string Step, JunitSummaryResult Summary)> parts)
    {
        var suites = parts.SelectMany(p => p.Summary.Suites.Select(s => s with { FileName = $"{p.Step}/{s.FileName}" })).ToList();
        var failures = parts.SelectMany(p => p.Summary.Failures.Select(f => f with { Suite = $"{p.Step}/{f.Suite}" })).ToList();
        var times = parts.Select(p => p.Summary.Totals.TimeSeconds).OfType<double>().ToList();
        return new JunitSummaryResult
        {
            Files = parts.Sum(p => p.Summary.Files),
            ParsedFiles = parts.Sum(p => p.Summary.ParsedFiles),
            Totals = new JunitTotals(
                parts.Sum(p => p.Summary.Totals.Tests), parts.Sum(p => p.Summary.Totals.Failures),
                parts.Sum(p => p.Summary.Totals.Errors), parts.Sum(p => p.Summary.Totals.Skipped),
                times.Count == 0 ? null : times.Sum()),
            Suites = suites.Take(MaxSuites).ToList(),
            SuitesTruncated = suites.Count > MaxSuites || parts.Any(p => p.Summary.SuitesTruncated),
            Failures = failures.Take(MaxFailures).ToList(),
            FailuresTruncated = failures.Count > MaxFailures || parts.Any(p => p.Summary.FailuresTruncated),
            Unparseable = parts.SelectMany(p => p.Summary.Unparseable.Select(u => u with { FileName = $"{p.Step}/{u.FileName}" })).ToList(),
        };
    }
}
