namespace Narwhal.Core.Results;

/// <summary>A suite of one report file.</summary>
public sealed record JunitSummarySuite(string FileName, string Name, JunitTotals Totals);
