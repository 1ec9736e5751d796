using Narwhal.Core.Hosting;
using Narwhal.Core.Logging;
using Narwhal.Runner.Control;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Narwhal.Runner.Git;
using Narwhal.Runner.Housekeeping;
using Narwhal.Runner.Intake;
using Narwhal.Runner.Startup;

namespace Narwhal.Runner.Extensions;

public static class RunnerServiceExtensions
{
    public static WebApplicationBuilder AddNarwhalRunner(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var settings = RunnerSettings.From(config);
        builder.Logging.AddNarwhalLogging(config, "runner");
        builder.WebHost.UseUrls(settings.Listen);

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddNarwhalCore(config, "runner");
        services.AddSingleton<IContainerEngine>(sp => new DockerEngine(settings.DockerHost, sp.GetRequiredService<ILogger<DockerEngine>>()));
        services.AddSingleton<SlotPool>(_ => new SlotPool(settings.Slots));
        services.AddSingleton<IntakeGate>();
        services.AddSingleton<ContainerSpecFactory>();
        services.AddSingleton(sp => new GitMirrorCache(settings.GitCacheDirectory, sp.GetRequiredService<ILogger<GitMirrorCache>>(),
            allowLocalRepositories: settings.AllowLocalRepositories));
        services.AddSingleton<JobPlanner>();
        services.AddSingleton<ImageProvider>();
        services.AddSingleton<ResultCollector>();
        services.AddSingleton<RunExecutor>();
        services.AddSingleton<RunSupervisor>();

        services.AddHostedService<SchemaMigrationStartup>();
        services.AddHostedService<LeftoverCleanup>();
        services.AddHostedService<RunControlListener>();
        services.AddHostedService<Housekeeper>();
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
        app.MapGet("/health/ready", (RunIntake intake, SlotPool slots, RunnerSettings settings) => intake.IsConsuming || slots.Free == 0
            ? Results.Ok(new { status = "ready", runner = settings.RunnerId, slots = settings.Slots, free = slots.Free })
            : Results.Problem("The Runner is not consuming from its queues.", statusCode: 503, title: "Not ready"));
        return app;
    }
}
