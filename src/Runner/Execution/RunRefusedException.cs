namespace Narwhal.Runner.Execution;

/// <summary>
/// The run cannot be executed as configured (its job config is invalid, a secret it names is not
/// set, its image cannot be had or built, its repository cannot be fetched). The run ends
/// <c>error</c> with this message, which is written for the job's owner.
/// </summary>
public sealed class RunRefusedException(string message, Exception? inner = null) : Exception(message, inner);
