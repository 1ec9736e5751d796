using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Narwhal.Core.Configuration;
using Narwhal.Core.Jobs;
using Narwhal.Core.Messaging;
using Narwhal.Core.Persistence;
using Narwhal.Core.Secrets;
using Narwhal.Core.Storage;

namespace Narwhal.Core.Hosting;

public static class CoreServiceExtensions
{
    /// <summary>
    /// What every Narwhal process needs: settings, Postgres and its schema, the broker connection, object storage.
    /// Each process registers the stores it uses itself, so none holds a store (or a key) it has no business with.
    /// </summary>
    public static IServiceCollection AddNarwhalCore(this IServiceCollection services, IConfiguration config, string component)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(InstanceSettings.From(config));
        services.AddSingleton(DatabaseSettings.From(config));
        services.AddSingleton(BrokerSettings.From(config));
        services.AddSingleton(StorageSettings.From(config));

        services.AddSingleton(sp => NarwhalDataSource.Create(sp.GetRequiredService<DatabaseSettings>()));
        services.AddSingleton<Migrator>();

        // One AMQP connection per process, named after the component for the broker's UI.
        services.AddSingleton(sp => new BrokerConnection(
            sp.GetRequiredService<BrokerSettings>(),
            $"narwhal-{component}@{Environment.MachineName}",
            sp.GetRequiredService<ILogger<BrokerConnection>>()));

        // NARWHAL_STORAGE picks S3 (default) or a local directory shared by Api and Runners; see StorageFactory.
        services.AddSingleton<IObjectStore>(sp => StorageFactory.Create(config, sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }

    /// <summary>
    /// The secret key ring and the stores of encrypted secrets: the Api encrypts what users save, the Runner
    /// decrypts it for a run. The Dispatcher never sees a secret, so it does not register these.
    /// </summary>
    public static IServiceCollection AddNarwhalSecrets(this IServiceCollection services, IConfiguration config)
    {
        // Resolved at start by the Api and the Runner, so a missing or malformed key fails the
        // process with the setting's name rather than the first secret request.
        services.AddSingleton(_ => SecretKeyRing.FromConfiguration(config));
        services.AddSingleton<SecretCipher>();
        services.AddSingleton<JobSecretStore>();
        services.AddSingleton<GitCredentialStore>();
        return services;
    }
}
