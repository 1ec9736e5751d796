using Narwhal.Runner.JobConfigs;

namespace Narwhal.Runner.Caches;

/// <summary>A cache of the step with its key resolved at the run's commit, and whether it was restored before the script.</summary>
public sealed record ResolvedCache(CacheConfig Config, string Key, bool Restored);
