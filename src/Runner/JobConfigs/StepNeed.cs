namespace Narwhal.Runner.JobConfigs;

/// <summary>A step another one waits for; with <see cref="Artifacts"/>, that step's artifacts are placed in the waiting step's workspace.</summary>
public sealed record StepNeed(string Key, bool Artifacts);
