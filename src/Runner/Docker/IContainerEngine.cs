namespace Narwhal.Runner.Docker;

/// <summary>
/// The container engine a Runner executes job steps in. The one seam between the Runner and
/// Docker: everything above it (job execution, log shipping, cleanup) is engine-agnostic.
/// </summary>
/// <remarks>
/// <para>Lifecycle of one container:</para>
/// <list type="number">
///   <item><see cref="EnsureImageAsync"/>: the image is local, or is pulled, or <see cref="ImageUnavailableException"/>.</item>
///   <item><see cref="CreateContainerAsync"/>: the container exists, not yet running.</item>
///   <item><see cref="StartContainerAsync"/>: the process runs.</item>
///   <item><see cref="StreamLogsAsync"/>: follows stdout and stderr from the start until the container exits.</item>
///   <item><see cref="WaitAsync"/>: the exit code.</item>
///   <item><see cref="RemoveAsync"/>: the container and its anonymous volumes are gone.</item>
/// </list>
/// <para>
/// <see cref="StopAsync"/> may be called at any time after create (abort, timeout, shutdown);
/// it is a no-op on a container that already stopped or is gone. <see cref="RemoveAsync"/> is
/// safe to call twice and on a container that never started, so cleanup paths need no bookkeeping.
/// </para>
/// <para>
/// Every call takes the run's <see cref="CancellationToken"/>. Only the engine's own answers are
/// bounded by a per-call timeout; following logs and waiting for the exit are bounded only by the token.
/// Non-2xx answers surface as <see cref="DockerEngineException"/>, a missing image as <see cref="ImageUnavailableException"/>.
/// </para>
/// </remarks>
public interface IContainerEngine
{
    /// <summary>True when the image is present locally.</summary>
    Task<bool> ImageExistsAsync(string image, CancellationToken ct);

    /// <summary>
    /// Makes sure the image is present: if not local, tries to pull it; throws
    /// <see cref="ImageUnavailableException"/> (message names the image and the reason) when it cannot be had.
    /// </summary>
    Task EnsureImageAsync(string image, CancellationToken ct);

    /// <summary>Creates (does not start) the container; returns its id. Throws <see cref="ImageUnavailableException"/> when the image is not local.</summary>
    Task<string> CreateContainerAsync(ContainerSpec spec, CancellationToken ct);

    /// <summary>Starts a created container. Starting a running container is not an error.</summary>
    Task StartContainerAsync(string containerId, CancellationToken ct);

    /// <summary>
    /// Follows stdout and stderr (demultiplexed, in the order the engine delivers them) from the
    /// container's start until it exits, calling <paramref name="onOutput"/> for each frame.
    /// Returns when the stream ends. A frame's data is valid only during the callback; frames
    /// larger than <see cref="DockerLogDemultiplexer.MaxChunkBytes"/> arrive as consecutive pieces of the same stream.
    /// Within one stream the order is the process's; between stdout and stderr it is the engine's:
    /// Docker reads them through separate pipes and may swap a stdout line and a stderr line
    /// written right after it (observed in about one run in three on Docker 20.10).
    /// </summary>
    Task StreamLogsAsync(string containerId, Func<LogFrame, CancellationToken, ValueTask> onOutput, CancellationToken ct);

    /// <summary>Waits until the container is not running and returns its exit code. No timeout besides the token.</summary>
    Task<long> WaitAsync(string containerId, CancellationToken ct);

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/> (rounded up to whole seconds). No error if already stopped or gone.</summary>
    Task StopAsync(string containerId, TimeSpan grace, CancellationToken ct);

    /// <summary>Removes the container (killing it if running) and its anonymous volumes. A container that is already gone is success.</summary>
    Task RemoveAsync(string containerId, CancellationToken ct);

    /// <summary>All containers (running or not) whose labels include every given key=value.</summary>
    Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct);
}
