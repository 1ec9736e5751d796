using System.Collections.Frozen;

namespace Narwhal.Api.Github.Webhooks;

/// <summary>What a GitHub delivery led to. Stored through <see cref="DeliveryOutcomeNames"/> only.</summary>
public enum DeliveryOutcome
{
    /// <summary>At least one run was queued.</summary>
    Triggered,
    /// <summary>Valid and understood, nothing to run (a ping, a closed pull request, no job for the repository or ref, an unhandled event); the reason says which.</summary>
    Ignored,
    /// <summary>Signed, but unusable (malformed JSON, a field missing, not sent as JSON). A redelivery of it is processed afresh.</summary>
    Rejected,
}

/// <summary>
/// The one mapping between <see cref="DeliveryOutcome"/> and its SQL name; the CHECK constraint of
/// <c>github_deliveries.outcome</c> (migrations/0008) lists the same names and a test keeps them equal.
/// </summary>
public static class DeliveryOutcomeNames
{
    private static readonly FrozenDictionary<DeliveryOutcome, string> ToName = new Dictionary<DeliveryOutcome, string>
    {
        [DeliveryOutcome.Triggered] = "triggered",
        [DeliveryOutcome.Ignored] = "ignored",
        [DeliveryOutcome.Rejected] = "rejected",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, DeliveryOutcome> FromName =
        ToName.ToFrozenDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> All => ToName.Values;

    public static string Name(this DeliveryOutcome outcome) => ToName[outcome];

    public static DeliveryOutcome Parse(string name) =>
        FromName.TryGetValue(name, out var outcome)
            ? outcome
            : throw new FormatException($"'{name}' is not a delivery outcome; expected one of {string.Join(", ", ToName.Values)}");
}
