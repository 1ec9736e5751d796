using Narwhal.Core.Logging;

namespace Narwhal.Runner.Masking;

/// <summary>
/// The secret values of the runs this Runner is executing, for masking its own log: an engine error, an
/// exception or a logged property can quote a job's environment (Docker refusing <c>NAME=value</c>), and the
/// process log is kept and shipped where the job's secrets must not go. A run's values are registered once its
/// plan is made and unregistered when it ends. Thread-safe: runs start and end on many threads while every log
/// line reads the current set.
/// </summary>
public sealed class ActiveSecrets : ITextMasker
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, string[]> _byRun = [];
    // Rebuilt on each change (a run's start or end), read without a lock by every log line.
    private volatile SecretMasker _masker = new([]);

    /// <summary>Masks <paramref name="values"/> (and their encoded forms) in the log from now on, until <see cref="Unregister"/>.</summary>
    public void Register(Guid runId, IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        lock (_lock)
        {
            _byRun[runId] = [.. values];
            Rebuild();
        }
    }

    /// <summary>The run has ended: its values are no longer masked (unless another running run has them too).</summary>
    public void Unregister(Guid runId)
    {
        lock (_lock)
        {
            if (_byRun.Remove(runId)) Rebuild();
        }
    }

    public string MaskText(string text) => _masker.MaskText(text);

    public int LongestMaskedLength => _masker.LongestPatternLength;

    private void Rebuild() => _masker = new SecretMasker(_byRun.Values.SelectMany(values => values));
}
