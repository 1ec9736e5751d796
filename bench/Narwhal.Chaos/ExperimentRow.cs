namespace Narwhal.Chaos;

/// <summary>
/// One experiment's outcome: the runs the Api accepted and what became of them. <see cref="Twice"/> counts
/// runs executed more often than their job allows (1 + retry.onLost); <see cref="Retried"/> runs executed
/// again within what their job opted into. <see cref="Violations"/> lists every break of the promise.
/// </summary>
public sealed record ExperimentRow(
    string Name, int Accepted, int Succeeded, int Failed, int Lost, int Aborted, int Other, int Stuck, int Twice, int Retried,
    int NeverStarted, int Leftovers, TimeSpan? TimeToFlag, IReadOnlyList<string> Violations, IReadOnlyList<string> LeftoverList,
    IReadOnlyList<string> Notes)
{
    public bool PromiseKept => Violations.Count == 0;

    /// <summary>An experiment that could not run (its stack failed, a fault could not be applied): no figures, the reason.</summary>
    public static ExperimentRow Broken(string name, string why) =>
        new(name, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, [], [], [$"could not run: {why}"]) { Error = why };

    public string? Error { get; init; }
}
