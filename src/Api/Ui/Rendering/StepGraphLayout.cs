using System.Globalization;
using Narwhal.Api.Runs;
using Narwhal.Core.Pipelines;

namespace Narwhal.Api.Ui.Rendering;

/// <summary>
/// Where a pipeline's steps sit on the run page: one column per depth (<see cref="StepGraph.Depths"/>), the steps of a
/// column in file order, and a line from each need to each step that needs it. Boxes have a fixed size in CSS pixels
/// (<c>.graph</c> in narwhal.css uses the same numbers), so the lines are drawn here, as inline SVG, with no script
/// measuring anything.
/// </summary>
public sealed record StepGraphLayout(
    IReadOnlyList<IReadOnlyList<RunStep>> Columns, IReadOnlyList<StepGraphLayout.Edge> Edges, int Width, int Height)
{
    // Keep equal to .graph (column gap), .graph-col (width, row gap) and .step-box (height) in narwhal.css.
    public const int BoxWidth = 200;
    public const int BoxHeight = 68;
    public const int ColumnGap = 56;
    public const int RowGap = 12;

    /// <summary>A need (<paramref name="From"/>) and the step needing it (<paramref name="To"/>), with the SVG path between their boxes.</summary>
    public sealed record Edge(string From, string To, string Path);

    public static StepGraphLayout Of(IReadOnlyList<RunStep> steps)
    {
        var depths = StepGraph.Depths(steps.Select(s => new StepNode(s.Key, s.Needs, s.When)).ToList());
        var columns = Enumerable.Range(0, steps.Count == 0 ? 0 : depths.Max() + 1)
            .Select(d => (IReadOnlyList<RunStep>)steps.Where((_, i) => depths[i] == d).ToList())
            .ToList();
        var place = new Dictionary<string, (int Column, int Row)>(StringComparer.Ordinal);
        for (var c = 0; c < columns.Count; c++)
            for (var r = 0; r < columns[c].Count; r++)
                place[columns[c][r].Key] = (c, r);

        var edges = new List<Edge>();
        foreach (var step in steps)
            foreach (var need in step.Needs)
                if (place.TryGetValue(need, out var from))
                    edges.Add(new Edge(need, step.Key, PathBetween(from, place[step.Key])));

        var rows = columns.Count == 0 ? 0 : columns.Max(c => c.Count);
        return new StepGraphLayout(columns, edges,
            Math.Max(0, columns.Count * (BoxWidth + ColumnGap) - ColumnGap),
            Math.Max(0, rows * (BoxHeight + RowGap) - RowGap));
    }

    /// <summary>From the middle of the need's right edge to the middle of the dependent's left edge, as a gentle S.</summary>
    private static string PathBetween((int Column, int Row) from, (int Column, int Row) to)
    {
        var x1 = from.Column * (BoxWidth + ColumnGap) + BoxWidth;
        var y1 = from.Row * (BoxHeight + RowGap) + BoxHeight / 2;
        var x2 = to.Column * (BoxWidth + ColumnGap);
        var y2 = to.Row * (BoxHeight + RowGap) + BoxHeight / 2;
        var bend = ColumnGap / 2;
        return string.Create(CultureInfo.InvariantCulture, $"M{x1} {y1} C{x1 + bend} {y1} {x2 - bend} {y2} {x2} {y2}");
    }
}
