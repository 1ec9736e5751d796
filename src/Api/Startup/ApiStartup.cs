using Narwhal.Api.Auth;
using Narwhal.Core.Messaging;
using Narwhal.Core.Secrets;
using Narwhal.Core.Storage;

namespace Narwhal.Api.Startup;

/// <summary>
/// Before the Api serves anything (after migrations): the first admin token from configuration,
/// the run queue of every configured class, the bucket, the secrets key (resolved in the
/// constructor: a missing NARWHAL_SECRETS_KEYS stops the start). A failure here stops the process
/// with the reason, rather than serving requests that cannot succeed.
/// </summary>
public sealed class ApiStartup(
    ApiSettings settings, TokenStore tokens, BrokerConnection broker, IObjectStore store, SecretKeyRing secretKeys, ILogger<ApiStartup> logger)
    : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken ct)
    {
        if (settings.AdminToken is { } admin)
            await tokens.EnsureBootstrapAdminAsync(admin, ct);
        else
            logger.LogWarning("NARWHAL_ADMIN_TOKEN is not set: no admin token is created; use an existing admin token");

        var connection = await broker.GetAsync(ct);
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: ct))
            await RabbitConnectionFactory.DeclareRunQueuesAsync(channel, broker.Settings.ResourceClasses, ct);
        await store.EnsureBucketAsync(ct);
        logger.LogInformation("Api ready: resource classes {Classes}; secrets encrypted under key {KeyId}",
            broker.Settings.ResourceClasses, secretKeys.ActiveKeyId);
    }

    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;
}
