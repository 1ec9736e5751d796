using Microsoft.Extensions.DependencyInjection.Extensions;
using Narwhal.Core.Hosting;
using Narwhal.Core.Logging;
using Narwhal.Runner.Caches;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Control;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Narwhal.Runner.Fleet;
using Narwhal.Runner.Git;
using Narwhal.Runner.Housekeeping;
using Narwhal.Runner.Intake;
using Narwhal.Runner.Masking;
using Narwhal.Runner.Pipelines;
using Narwhal.Runner.Startup;

namespace Narwhal.Runner.Extensions;

public static class RunnerServiceExtensions
{
    public static WebApplicationBuilder AddNarwhalRunner(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var settings = RunnerSettings.From(config);
        // Made before the container: the log pipeline, set up first, masks the secrets of the runs in progress.
        var activeSecrets = new ActiveSecrets();
        builder.AddNarwhalLogging("runner", activeSecrets);
        builder.WebHost.UseUrls(settings.Listen);

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(activeSecrets);
        services.AddNarwhalCore(config, "runner");
        // The Runner decrypts a run's secrets, and writes its log chunks and result files.
        services.AddNarwhalSecrets(config);
        services.AddSingleton<Narwhal.Core.Logs.LogChunkStore>();
        services.AddSingleton<Narwhal.Core.Results.RunFileStore>();
        services.AddMetrics();
        // TryAdd: a test registers a fake engine before this runs, to drive the run path without Docker.
        services.TryAddSingleton<IContainerEngine>(sp => new DockerEngine(settings.DockerHost, settings.DockerApiVersion, sp.GetRequiredService<ILogger<DockerEngine>>()));
        services.AddSingleton(_ => RunnerCapacity.From(settings));
        services.AddSingleton<IntakeGate>();
        // TryAdd: a test registers its own sampler before this runs, to set the CPU reading.
        services.TryAddSingleton<ICpuSampler>(sp => new ProcStatCpuSampler(settings.CpuWindow, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<CpuMonitor>();
        services.AddSingleton<RunnerMetrics>();
        services.AddSingleton<RunnerDrain>();
        services.AddSingleton<DrainRequestStore>();
        services.AddSingleton<ContainerSpecFactory>();
        services.AddSingleton(sp => new GitMirrorCache(settings.GitCacheDirectory, sp.GetRequiredService<ILogger<GitMirrorCache>>(),
            allowLocalRepositories: settings.AllowLocalRepositories));
        services.AddSingleton<JobPlanner>();
        services.AddSingleton<ImageProvider>();
        services.AddSingleton<ResultCollector>();
        services.AddSingleton<StepArtifacts>();
        services.AddSingleton<Narwhal.Core.Caches.JobCacheStore>();
        services.AddSingleton<CacheKeys>();
        services.AddSingleton<CacheRestorer>();
        services.AddSingleton<CacheSaver>();
        services.AddSingleton<PipelineStore>();
        services.AddSingleton<RunContainers>();
        services.AddSingleton<RunLogs>();
        services.AddSingleton<RunExecutor>();
        services.AddSingleton<RunSupervisor>();
        // Claiming: the claim, and the outcome written under the attempt's fence, both retried inside.
        services.AddSingleton<RunAttemptStore>();
        services.AddSingleton<RunClaimer>();
        services.AddSingleton<OutcomeRecorder>();
        services.AddSingleton<RunTaker>();
        services.AddSingleton<IntakeStatus>();

        services.AddHostedService<SchemaMigrationStartup>();
        services.AddHostedService<LeftoverCleanup>();
        services.AddHostedService<RunControlListener>();
        services.AddHostedService<Housekeeper>();
        services.AddHostedService(sp => sp.GetRequiredService<CpuMonitor>());
        // Before the intake, so stopped after it: heartbeats (draining) and the control listener
        // (aborts, fencing) go on while a stopping Runner waits for its running runs.
        services.AddHostedService<HeartbeatPublisher>();
        services.AddSingleton<RunIntake>();
        services.AddHostedService(sp => sp.GetRequiredService<RunIntake>());
        // SIGTERM: the intake stops taking runs and waits up to the grace for running ones,
        // then stops them; the host must not give up before that.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownGrace + settings.StopGrace + TimeSpan.FromSeconds(30));
        return builder;
    }

    public static WebApplication MapRunnerHealth(this WebApplication app)
    {
        app.MapGet("/health/live", () => TypedResults.Ok(new { status = "ok" }));
        // Ready: connected and not held back by the gate (disk, CPU, drain). A Runner that is
        // merely full (no slot, no quota) is ready: it takes runs again as they end.
        app.MapGet("/health/ready", (RunIntake intake, IntakeGate gate, RunnerCapacity capacity, RunnerSettings settings) =>
            intake.IsStarted && gate.IsOpen
                ? Results.Ok(new { status = "ready", runner = settings.RunnerId, slots = settings.Slots, free = capacity.FreeSlots, paused = intake.PausedReason })
                : Results.Problem($"The Runner is not taking runs: {intake.PausedReason ?? "not connected to the broker yet"}.", statusCode: 503, title: "Not ready"));
        return app;
    }
}
