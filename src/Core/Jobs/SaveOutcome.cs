namespace Narwhal.Core.Jobs;

/// <summary>What an idempotent write did: infrastructure-as-code tools show it as their plan.</summary>
public enum SaveOutcome { Created, Updated, Unchanged }
