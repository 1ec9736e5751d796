using System.Collections.Frozen;

namespace Narwhal.Core.Fleet;

/// <summary>
/// A Runner as the registry sees it: online and draining come from its own heartbeats, offline
/// from the Dispatcher when it fell silent. Stored through <see cref="RunnerStateNames"/> only.
/// </summary>
public enum RunnerState
{
    Online,
    Draining,
    Offline,
}

/// <summary>
/// The one mapping between <see cref="RunnerState"/> and its SQL name; the CHECK constraint of
/// <c>runners.state</c> (migrations/0006) lists the same names and a test keeps them equal.
/// </summary>
public static class RunnerStateNames
{
    private static readonly FrozenDictionary<RunnerState, string> ToName = new Dictionary<RunnerState, string>
    {
        [RunnerState.Online] = "online",
        [RunnerState.Draining] = "draining",
        [RunnerState.Offline] = "offline",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, RunnerState> FromName =
        ToName.ToFrozenDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> All => ToName.Values;

    public static string Name(this RunnerState state) => ToName[state];

    public static RunnerState Parse(string name) =>
        FromName.TryGetValue(name, out var state)
            ? state
            : throw new FormatException($"'{name}' is not a runner state; expected one of {string.Join(", ", ToName.Values)}");
}
