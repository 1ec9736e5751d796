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
/// <para>Around the containers of one run:</para>
/// <list type="bullet">
///   <item>A user-defined network (<see cref="CreateNetworkAsync"/>) created first; containers join it through
///   <see cref="ContainerSpec.NetworkMode"/> and resolve each other by name and <see cref="ContainerSpec.NetworkAliases"/>.
///   It is removed last (<see cref="RemoveNetworkAsync"/>), after every container on it.</item>
///   <item>Files go in with <see cref="PutArchiveAsync"/> between create and start, and come out with
///   <see cref="GetArchiveAsync"/> (running or exited container).</item>
///   <item>Service sidecars are probed with <see cref="ExecAsync"/> until ready.</item>
///   <item>Job images are built with <see cref="BuildImageAsync"/>, found with <see cref="ListImagesAsync"/>
///   and removed with <see cref="RemoveImageAsync"/>.</item>
/// </list>
/// <para>
/// Removing networks and images is, like <see cref="RemoveAsync"/>, safe to call twice. Listing by
/// label (containers, networks, images) is how leftovers of a crashed Runner are found.
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
    /// Returns when the stream ends. A frame's data is valid only during the callback; an entry
    /// may arrive as consecutive pieces (at most <see cref="DockerLogReader.MaxChunkBytes"/> each) of the same stream.
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

    /// <summary>
    /// Creates a user-defined bridge network and returns its id. Containers created with
    /// <see cref="ContainerSpec.NetworkMode"/> = <paramref name="name"/> resolve each other by container
    /// name and <see cref="ContainerSpec.NetworkAliases"/>, without publishing host ports.
    /// <paramref name="internalOnly"/>: the engine drops all traffic leaving the network (to other networks, the
    /// internet) and does not masquerade; containers on it still reach each other. The isolation is the
    /// engine's firewall: on Docker 20.10 the containers still see a default route. A network of the same name already existing is a
    /// <see cref="DockerEngineException"/> (409). Each bridge network takes one of the engine's address
    /// pools (about 30 by default): remove them, a leak soon makes creating networks fail.
    /// </summary>
    Task<string> CreateNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, bool internalOnly, CancellationToken ct);

    /// <summary>
    /// Removes a network by name or id. A network that is already gone is success. It does not
    /// disconnect anything: remove (<see cref="RemoveAsync"/>) every container on the network first —
    /// a network with containers still attached is a <see cref="DockerEngineException"/> (403, "has active endpoints").
    /// </summary>
    Task RemoveNetworkAsync(string nameOrId, CancellationToken ct);

    /// <summary>All networks whose labels include every given key=value.</summary>
    Task<IReadOnlyList<NetworkSummary>> ListNetworksAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct);

    /// <summary>
    /// Extracts the uncompressed tar <paramref name="tar"/> into the directory <paramref name="path"/> of a
    /// created (not yet started) or running container. The tar is streamed from its current position,
    /// never buffered; the caller keeps ownership of the stream. Entries keep the owners and modes
    /// written in the tar; a file never replaces a directory or the reverse (as <c>docker cp</c>).
    /// The directory must exist (a missing one is a <see cref="DockerEngineException"/>, 404): the
    /// container's <see cref="ContainerSpec.WorkingDirectory"/> is created at create, so it is a safe target.
    /// </summary>
    Task PutArchiveAsync(string containerId, string path, Stream tar, CancellationToken ct);

    /// <summary>
    /// A tar of <paramref name="path"/> (a file, or a directory with its contents) in a running or exited
    /// container, read from the engine as the caller reads the stream; the caller disposes it. Null when the
    /// path does not exist in the container; a container that does not exist is a <see cref="DockerEngineException"/> (404).
    /// Entry names start at the path's last component (<c>/workspace/out.txt</c> → <c>out.txt</c>).
    /// </summary>
    Task<Stream?> GetArchiveAsync(string containerId, string path, CancellationToken ct);

    /// <summary>
    /// Runs <paramref name="command"/> (no shell: <c>["sh", "-c", "…"]</c> for one) in a running container,
    /// as the container's user, and returns its exit code once it ends. The output is read and discarded:
    /// this is for checks such as a sidecar's readiness, where the exit code is the answer. A command the
    /// engine cannot start (not found, not executable) answers 126 on Docker 20.10 — no exception. A container that
    /// is not running is a <see cref="DockerEngineException"/> (409). No timeout besides the token.
    /// </summary>
    Task<long> ExecAsync(string containerId, IReadOnlyList<string> command, CancellationToken ct);

    /// <summary>
    /// Builds an image from a tar context with the engine's legacy builder (BuildKit is never asked for)
    /// and tags it <see cref="ImageBuildRequest.Tag"/>. Build output (step headers, RUN output; not
    /// necessarily whole lines) goes to <paramref name="onOutput"/> as it arrives. A build that fails because
    /// of its content — a failing step, a missing base image, a Dockerfile that does not parse or is not in
    /// the context — is a result with Success false and the engine's message, not an exception; failing to
    /// talk to the engine is an exception. No timeout besides the token. The steps' containers run with the
    /// engine's default settings, not the hardened ones of <see cref="DockerContainerConfig"/>.
    /// </summary>
    Task<ImageBuildResult> BuildImageAsync(ImageBuildRequest request, Func<string, CancellationToken, ValueTask> onOutput, CancellationToken ct);

    /// <summary>
    /// Removes an image by tag (only the tag, when the image has others) or id, with its untagged parents.
    /// An image that is already gone is success. Not forced: an image a container (even a stopped one)
    /// still uses is a <see cref="DockerEngineException"/> (409), so remove the containers first.
    /// </summary>
    Task RemoveImageAsync(string image, CancellationToken ct);

    /// <summary>All top-level images (intermediate build layers left out) whose labels include every given key=value.</summary>
    Task<IReadOnlyList<ImageSummary>> ListImagesAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct);
}
