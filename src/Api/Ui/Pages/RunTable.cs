using Narwhal.Core.Runs;

namespace Narwhal.Api.Ui.Pages;

/// <summary>What the shared runs table (<c>Shared/_RunRows.cshtml</c>) shows.</summary>
public sealed record RunTable(IReadOnlyList<Run> Runs, bool WithJob, string Caption, DateTimeOffset Now, bool CaptionVisible = false);
