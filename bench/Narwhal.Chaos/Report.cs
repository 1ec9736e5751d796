using System.Globalization;
using System.Text;

namespace Narwhal.Chaos;

/// <summary>The suite's table (one row per experiment) and, under it, the violations, leftovers and notes.</summary>
public static class Report
{
    private static readonly string[] Header =
        ["experiment", "accepted", "succeeded", "failed", "lost", "aborted", "other", "stuck", "twice", "retried", "never started", "leftovers", "time to flag", "promise"];

    public static string Table(IReadOnlyList<ExperimentRow> rows)
    {
        var cells = rows.Select(r => r.Error is not null
            ? new[] { r.Name, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "NOT RUN" }
            : [
                r.Name, N(r.Accepted), N(r.Succeeded), N(r.Failed), N(r.Lost), N(r.Aborted), N(r.Other), N(r.Stuck), N(r.Twice), N(r.Retried),
                N(r.NeverStarted), N(r.Leftovers),
                r.TimeToFlag is { } t ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.0} s") : "-",
                r.PromiseKept ? "kept" : $"BROKEN ({r.Violations.Count})",
            ]).ToList();
        var widths = Header.Select((h, i) => Math.Max(h.Length, cells.Select(c => c[i].Length).DefaultIfEmpty(0).Max())).ToArray();
        var text = new StringBuilder();
        text.AppendLine("| " + string.Join(" | ", Header.Select((h, i) => h.PadRight(widths[i]))) + " |");
        text.AppendLine("|" + string.Join("|", widths.Select((w, i) => i == 0 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (var row in cells)
            text.AppendLine("| " + string.Join(" | ", row.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))) + " |");
        return text.ToString();
    }

    public static string Details(IReadOnlyList<ExperimentRow> rows)
    {
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            if (row.Violations.Count == 0 && row.LeftoverList.Count == 0 && row.Notes.Count == 0) continue;
            text.AppendLine($"{row.Name}:");
            foreach (var v in row.Violations.Take(20)) text.AppendLine($"  VIOLATION {v}");
            if (row.Violations.Count > 20) text.AppendLine($"  … and {row.Violations.Count - 20} more violation(s)");
            foreach (var l in row.LeftoverList) text.AppendLine($"  left behind (removed): {l}");
            foreach (var n in row.Notes) text.AppendLine($"  note: {n}");
        }
        return text.ToString();
    }

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
}
