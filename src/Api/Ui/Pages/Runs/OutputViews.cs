namespace Narwhal.Api.Ui.Pages.Runs;

/// <summary>
/// What <c>_Console.cshtml</c> shows: a log window, where its raw text is (<paramref name="Raw"/>, Range requests for
/// "load earlier") and, while it is written, where it streams from. <paramref name="Nested"/>: under a step's heading.
/// </summary>
public sealed record ConsoleView(LogWindow Log, string Raw, string? Stream, bool Active, bool Nested = false);

/// <summary>
/// What <c>_Results.cshtml</c> shows: JUnit failures and artifacts, linked under <paramref name="FilesBase"/> with
/// <paramref name="Query"/> (a step's attempt) after each path. <paramref name="Nested"/>: under a step's heading.
/// </summary>
public sealed record ResultsView(RunOutput Output, string FilesBase, string Query, DateTimeOffset? Expired, bool Nested = false);

/// <summary>What <c>_Graph.cshtml</c> draws: the laid-out steps, the one shown below (selected), the run page's address.</summary>
public sealed record GraphView(Rendering.StepGraphLayout Layout, string? Selected, string Base, DateTimeOffset Now);
