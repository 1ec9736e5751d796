using System.Collections.Frozen;

namespace Narwhal.Core.Runs;

/// <summary>
/// The one mapping between <see cref="RunStatus"/> and its wire/SQL name
/// (<c>timed_out</c>, not <c>TimedOut</c>). The CHECK constraint in
/// migrations/0012 lists the same names; <c>RunStatusNamesTests</c> keeps them equal.
/// </summary>
public static class RunStatusNames
{
    private static readonly FrozenDictionary<RunStatus, string> ToName = new Dictionary<RunStatus, string>
    {
        [RunStatus.Waiting] = "waiting",
        [RunStatus.Queued] = "queued",
        [RunStatus.Running] = "running",
        [RunStatus.Succeeded] = "succeeded",
        [RunStatus.Failed] = "failed",
        [RunStatus.TimedOut] = "timed_out",
        [RunStatus.Aborted] = "aborted",
        [RunStatus.Lost] = "lost",
        [RunStatus.Error] = "error",
        [RunStatus.Skipped] = "skipped",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, RunStatus> FromName =
        ToName.ToFrozenDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> All => ToName.Values;

    public static string Name(this RunStatus status) => ToName[status];

    public static RunStatus Parse(string name) =>
        FromName.TryGetValue(name, out var status)
            ? status
            : throw new FormatException($"'{name}' is not a run status; expected one of {string.Join(", ", ToName.Values)}");

    public static bool TryParse(string? name, out RunStatus status)
    {
        status = default;
        return name is not null && FromName.TryGetValue(name, out status);
    }
}
