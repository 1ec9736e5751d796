using Narwhal.Core.Fleet;
using Narwhal.Core.Messaging;
using Narwhal.Dispatcher.Autoscale;
using Narwhal.Dispatcher.Fleet;
using Narwhal.Dispatcher.Metrics;
using Narwhal.Dispatcher.Pipelines;

namespace Narwhal.Dispatcher.Extensions;

public static class FleetServiceExtensions
{
    /// <summary>The runner registry from heartbeats, lost and overdue runs, autoscaling and the Dispatcher's metrics.</summary>
    public static IServiceCollection AddDispatcherFleet(this IServiceCollection services, IConfiguration config)
    {
        // Parsed here, so a bad value stops the Dispatcher at start naming the setting.
        services.AddSingleton(FleetSettings.From(config));
        services.AddSingleton(AutoscaleSettings.From(config));

        services.AddMetrics();
        services.AddSingleton<DispatcherMetrics>();
        services.AddSingleton<RunnerStore>();
        services.AddSingleton<LostRunStore>();
        services.AddSingleton<OverdueRunStore>();
        services.AddSingleton<ActiveRunStore>();
        // Publishes the ExecuteRun of a lost run queued again, right after its commit.
        services.AddSingleton<RunPublisher>();
        // Reads the outbox row of a lost run queued again, to publish it right after the commit.
        services.AddSingleton<Narwhal.Core.Outbox.OutboxStore>();
        services.AddSingleton<QueueDepthReader>();
        services.AddSingleton<FleetObserver>();
        services.AddSingleton<HeartbeatHealth>();

        services.AddSingleton<HeartbeatConsumer>();
        services.AddHostedService(sp => sp.GetRequiredService<HeartbeatConsumer>());
        services.AddSingleton<FleetMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<FleetMonitor>());
        // Approval gates past their timeout, at the fleet scan's pace.
        services.AddSingleton<GateTimeoutStore>();
        services.AddSingleton<GateTimeoutSweep>();
        services.AddHostedService(sp => sp.GetRequiredService<GateTimeoutSweep>());
        return services;
    }
}
