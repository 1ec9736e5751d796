namespace Narwhal.Runner.Fleet;

/// <summary>
/// The host's CPU use. <see cref="CpuMonitor"/> calls <see cref="Sample"/> once a second from one
/// thread; tests replace the sampler to set the reading (register one before the Runner's services).
/// </summary>
public interface ICpuSampler
{
    /// <summary>Takes a reading now; returns the host's CPU use in percent (0-100) averaged over the sampler's window.</summary>
    double Sample();
}
