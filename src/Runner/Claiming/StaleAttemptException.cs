namespace Narwhal.Runner.Claiming;

/// <summary>
/// A Runner wrote to a run with an attempt id that is no longer current (the run was declared
/// lost and retried, aborted, or finished by someone else). The write was refused; the Runner
/// must stop the job and clean up.
/// </summary>
public sealed class StaleAttemptException(Guid runId, Guid attemptId)
    : Exception($"Attempt {attemptId} of run {runId} is no longer current; the write was refused.")
{
    public Guid RunId => runId;
    public Guid AttemptId => attemptId;
}
