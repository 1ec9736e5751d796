using Narwhal.Dispatcher.Github;
using Narwhal.Dispatcher.Github.Statuses;

namespace Narwhal.Dispatcher.Extensions;

public static class GithubServiceExtensions
{
    /// <summary>
    /// Commit statuses to GitHub. The Dispatcher posts them because it is the fleet's one background
    /// worker: the Api stays request-only and Runners never hold a GitHub token. Replicas share the
    /// work through the database (see <see cref="CommitStatusStore"/>), so no status is posted twice.
    /// </summary>
    public static IServiceCollection AddDispatcherGithub(this IServiceCollection services, IConfiguration config)
    {
        // Parsed here, so a malformed URL stops the Dispatcher at start naming the setting.
        services.AddSingleton(GithubStatusSettings.From(config));
        services.AddMetrics();
        services.AddSingleton<GithubMetrics>();
        services.AddSingleton<CommitStatusStore>();
        services.AddSingleton(sp => new GithubStatusClient(sp.GetRequiredService<GithubStatusSettings>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<GithubStatusClient>>()));
        services.AddSingleton<CommitStatusReporter>();
        services.AddHostedService(sp => sp.GetRequiredService<CommitStatusReporter>());
        return services;
    }
}
