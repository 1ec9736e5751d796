using Narwhal.Core.Configuration;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Fleet;
using Narwhal.Runner.Intake;

namespace Narwhal.Runner;

public sealed record RunnerSettings
{
    /// <summary>Stable across restarts: a restarted Runner removes the containers its previous life left.</summary>
    public required string RunnerId { get; init; }
    /// <summary>In order of preference: with backlog in several, a freed slot takes the first class's run.</summary>
    public required IReadOnlyList<string> ResourceClasses { get; init; }
    public required int Slots { get; init; }
    /// <summary>CPU units the running runs may cost together (each run costs its class's <see cref="ClassCost"/>).</summary>
    public required int QuotaCpu { get; init; }
    /// <summary>Memory (MB) the running runs may cost together.</summary>
    public required int QuotaMemoryMb { get; init; }
    public required ClassCosts ClassCosts { get; init; }
    /// <summary>At or above this host CPU use (averaged over <see cref="CpuWindow"/>) the Runner takes no runs; 100 = never.</summary>
    public required double CpuMaxPercent { get; init; }
    public required TimeSpan CpuWindow { get; init; }
    public required TimeSpan HeartbeatInterval { get; init; }
    public required TimeSpan ShutdownGrace { get; init; }
    public required string Listen { get; init; }
    public required string DockerHost { get; init; }
    /// <summary>The Docker Engine API version every call asks for (the engine's, or older: Docker 20.10 speaks 1.41).</summary>
    public required string DockerApiVersion { get; init; }
    public required string WorkDirectory { get; init; }
    public required TimeSpan MaxJobDuration { get; init; }
    /// <summary>Between SIGTERM and SIGKILL when a job container is stopped (timeout, shutdown).</summary>
    public required TimeSpan StopGrace { get; init; }
    public required long JobMemoryBytes { get; init; }
    public required long JobNanoCpus { get; init; }
    public required long JobPidsLimit { get; init; }
    /// <summary>Run the engine's init as PID 1 of job and service containers (signals reach the script).</summary>
    public required bool JobInit { get; init; }
    /// <summary>How often running attempts are checked against the database (missed aborts, superseded attempts).</summary>
    public required TimeSpan ControlCheckInterval { get; init; }
    /// <summary>Where the bare git mirrors live (shared by the Runners of a host).</summary>
    public required string GitCacheDirectory { get; init; }
    /// <summary>Accept file:// repositories: single-user setups and tests only (a job could read the Runner host's files).</summary>
    public required bool AllowLocalRepositories { get; init; }
    public required long GitCacheBudgetBytes { get; init; }
    public required long ImageCacheBudgetBytes { get; init; }
    /// <summary>Below this much free disk (where the Runner spools logs) the Runner takes no runs.</summary>
    public required long MinFreeDiskBytes { get; init; }
    public required TimeSpan HousekeepingInterval { get; init; }
    /// <summary>A run's log stops growing here; an explicit marker ends it and the run says it was truncated.</summary>
    public required long LogMaxBytes { get; init; }
    /// <summary>Total size of the artifacts one run may store.</summary>
    public required long ArtifactsMaxBytes { get; init; }
    /// <summary>Total size of the step caches one job keeps; beyond it the least recently used are evicted after a save.</summary>
    public required long CacheBudgetBytes { get; init; }
    /// <summary>How long a claim is retried through transient database failures before the run is given back.</summary>
    public required TimeSpan ClaimRetryTime { get; init; }
    /// <summary>
    /// How long the outcome of a run (its final write, and the fenced writes it depends on) is retried
    /// through transient database failures. Meanwhile the run stays in the Runner's heartbeats, so it
    /// is not declared lost.
    /// </summary>
    public required TimeSpan OutcomeRetryTime { get; init; }
    /// <summary>Fetch, image build or pull, services and container set-up of one run; the job's own timeout counts the script only.</summary>
    public required TimeSpan SetupTimeout { get; init; }
    /// <summary>After the job container exited: how long its log stream may go without new output before the Runner stops waiting for the rest.</summary>
    public required TimeSpan LogStreamIdleTimeout { get; init; }
    /// <summary>Collecting the results of a run stopped by its timeout or an abort (the run's own token is cancelled by then).</summary>
    public required TimeSpan StoppedResultsTimeout { get; init; }
    /// <summary>Added to <see cref="StopGrace"/>: the bound on the engine's answer to a stop.</summary>
    public required TimeSpan StopMargin { get; init; }
    /// <summary>Removing a run's job container; also bounds creating and removing its network and removing its services.</summary>
    public required TimeSpan RemoveTimeout { get; init; }
    /// <summary>After the run: how long live log shipping may take to catch up with the spool.</summary>
    public required TimeSpan LogCatchUpTimeout { get; init; }
    /// <summary>Uploading a run's whole console log to the object store.</summary>
    public required TimeSpan LogUploadTimeout { get; init; }
    /// <summary>Deleting a run's live log chunks once the whole log is stored, and telling followers it ended.</summary>
    public required TimeSpan LiveLogEndTimeout { get; init; }

    public static RunnerSettings From(IConfiguration config)
    {
        var instance = InstanceSettings.From(config).Name;
        var runnerId = config.GetString("NARWHAL_RUNNER_ID", $"{Environment.MachineName}-{instance}");
        return new RunnerSettings
        {
            RunnerId = runnerId,
            ResourceClasses = config.GetList("NARWHAL_RUNNER_CLASSES", "small"),
            Slots = config.GetInt("NARWHAL_RUNNER_SLOTS", 2, min: 1, max: 256),
            QuotaCpu = config.GetInt("NARWHAL_RUNNER_QUOTA_CPU", Environment.ProcessorCount, min: 1),
            QuotaMemoryMb = config.GetInt("NARWHAL_RUNNER_QUOTA_MEMORY_MB", HostMemory.DefaultQuotaMb(), min: 1),
            ClassCosts = ClassCosts.Parse(config.GetOptionalString("NARWHAL_CLASS_COSTS"), "NARWHAL_CLASS_COSTS"),
            CpuMaxPercent = config.GetDouble("NARWHAL_RUNNER_CPU_MAX_PERCENT", 90, min: 1, max: 100),
            CpuWindow = config.GetSeconds("NARWHAL_RUNNER_CPU_WINDOW_SECONDS", 10, min: 1),
            HeartbeatInterval = config.GetSeconds("NARWHAL_HEARTBEAT_INTERVAL_SECONDS", 3, min: 1),
            ShutdownGrace = config.GetSeconds("NARWHAL_RUNNER_SHUTDOWN_GRACE", 60),
            Listen = config.GetString("NARWHAL_RUNNER_LISTEN", "http://127.0.0.1:8082"),
            DockerHost = config.GetString("NARWHAL_DOCKER_HOST", "unix:///var/run/docker.sock"),
            DockerApiVersion = config.GetString("NARWHAL_DOCKER_API_VERSION", DockerClientFactory.DefaultApiVersion),
            WorkDirectory = config.GetString("NARWHAL_RUNNER_WORK_DIR", Path.Combine(Path.GetTempPath(), $"narwhal-runner-{instance}-{runnerId}")),
            MaxJobDuration = config.GetSeconds("NARWHAL_MAX_JOB_DURATION", 6 * 3600, min: 1),
            StopGrace = config.GetSeconds("NARWHAL_JOB_STOP_GRACE", 10, min: 0),
            JobMemoryBytes = config.GetInt("NARWHAL_JOB_MEMORY_MB", 2048, min: 6) * 1024L * 1024L,
            JobNanoCpus = (long)(config.GetDouble("NARWHAL_JOB_CPUS", 2, min: 0.01, max: 1024) * 1_000_000_000),
            JobPidsLimit = config.GetInt("NARWHAL_JOB_PIDS", 1024, min: 16),
            JobInit = config.GetBool("NARWHAL_JOB_INIT", true),
            ControlCheckInterval = config.GetSeconds("NARWHAL_RUNNER_CONTROL_CHECK", 5, min: 0.1),
            GitCacheDirectory = config.GetString("NARWHAL_RUNNER_GIT_CACHE", Path.Combine(Path.GetTempPath(), $"narwhal-git-{instance}")),
            AllowLocalRepositories = config.GetBool("NARWHAL_RUNNER_ALLOW_FILE_REPOS", false),
            GitCacheBudgetBytes = config.GetInt("NARWHAL_RUNNER_GIT_CACHE_MB", 5120, min: 1) * 1_048_576L,
            ImageCacheBudgetBytes = config.GetInt("NARWHAL_RUNNER_IMAGE_CACHE_MB", 10240, min: 1) * 1_048_576L,
            MinFreeDiskBytes = config.GetInt("NARWHAL_RUNNER_MIN_FREE_DISK_MB", 2048, min: 0) * 1_048_576L,
            HousekeepingInterval = config.GetSeconds("NARWHAL_RUNNER_HOUSEKEEPING_INTERVAL", 60, min: 0.1),
            LogMaxBytes = (long)(config.GetDouble("NARWHAL_LOG_MAX_MB", 256, min: 0.001) * 1_048_576),
            ArtifactsMaxBytes = config.GetInt("NARWHAL_ARTIFACTS_MAX_MB", 2048, min: 1) * 1_048_576L,
            CacheBudgetBytes = (long)(config.GetDouble("NARWHAL_CACHE_BUDGET_MB", 2048, min: 0.001) * 1_048_576),
            ClaimRetryTime = config.GetSeconds("NARWHAL_RUNNER_CLAIM_RETRY_SECONDS", 30, min: 0),
            OutcomeRetryTime = config.GetSeconds("NARWHAL_RUNNER_OUTCOME_RETRY_SECONDS", 15 * 60, min: 0),
            SetupTimeout = config.GetSeconds("NARWHAL_RUNNER_SETUP_TIMEOUT_SECONDS", 30 * 60, min: 1),
            LogStreamIdleTimeout = config.GetSeconds("NARWHAL_RUNNER_LOG_STREAM_IDLE_SECONDS", 30, min: 0.1),
            StoppedResultsTimeout = config.GetSeconds("NARWHAL_RUNNER_STOPPED_RESULTS_SECONDS", 5 * 60, min: 0.1),
            StopMargin = config.GetSeconds("NARWHAL_RUNNER_STOP_MARGIN_SECONDS", 30, min: 0.1),
            RemoveTimeout = config.GetSeconds("NARWHAL_RUNNER_REMOVE_TIMEOUT_SECONDS", 60, min: 0.1),
            LogCatchUpTimeout = config.GetSeconds("NARWHAL_RUNNER_LOG_CATCHUP_SECONDS", 30, min: 0.1),
            LogUploadTimeout = config.GetSeconds("NARWHAL_RUNNER_LOG_UPLOAD_SECONDS", 5 * 60, min: 0.1),
            LiveLogEndTimeout = config.GetSeconds("NARWHAL_RUNNER_LIVE_LOG_END_SECONDS", 30, min: 0.1),
        };
    }
}
