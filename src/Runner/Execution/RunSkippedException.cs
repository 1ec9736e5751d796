namespace Narwhal.Runner.Execution;

/// <summary>
/// The run is not to execute at all, and says why: its commit asks CI to skip it, or no step's condition holds. It
/// ends <c>skipped</c> with the message as its reason, visibly, rather than being dropped.
/// </summary>
public sealed class RunSkippedException(string message) : Exception(message);
