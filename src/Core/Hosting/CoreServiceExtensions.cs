using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Narwhal.Core.Auth;
using Narwhal.Core.Configuration;
using Narwhal.Core.Jobs;
using Narwhal.Core.Messaging;
using Narwhal.Core.Outbox;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Narwhal.Core.Secrets;
using Narwhal.Core.Storage;

namespace Narwhal.Core.Hosting;

public static class CoreServiceExtensions
{
    /// <summary>What every Narwhal process shares: settings, Postgres, the stores, the broker connection, object storage.</summary>
    public static IServiceCollection AddNarwhalCore(this IServiceCollection services, IConfiguration config, string component)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(InstanceSettings.From(config));
        services.AddSingleton(DatabaseSettings.From(config));
        services.AddSingleton(BrokerSettings.From(config));
        services.AddSingleton(StorageSettings.From(config));

        services.AddSingleton(sp => NarwhalDataSource.Create(sp.GetRequiredService<DatabaseSettings>()));
        services.AddSingleton<Migrator>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<RunStore>();
        services.AddSingleton<OutboxStore>();
        services.AddSingleton<TokenStore>();
        services.AddSingleton<Narwhal.Core.Logs.LogChunkStore>();
        services.AddSingleton<Narwhal.Core.Results.RunFileStore>();
        services.AddSingleton<Narwhal.Core.Results.RetentionStore>();
        // Resolved at start by the Api and the Runner, so a missing or malformed key fails the
        // process with the setting's name rather than the first secret request.
        services.AddSingleton(_ => SecretKeyRing.FromConfiguration(config));
        services.AddSingleton<SecretCipher>();
        services.AddSingleton<JobSecretStore>();
        services.AddSingleton<GitCredentialStore>();

        // One AMQP connection per process, named after the component for the broker's UI.
        services.AddSingleton(sp => new BrokerConnection(
            sp.GetRequiredService<BrokerSettings>(),
            $"narwhal-{component}@{Environment.MachineName}",
            sp.GetRequiredService<ILogger<BrokerConnection>>()));

        // NARWHAL_STORAGE picks S3 (default) or a local directory shared by Api and Runners; see StorageFactory.
        services.AddSingleton<IObjectStore>(sp => StorageFactory.Create(config, sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }
}
