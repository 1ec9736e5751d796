using Microsoft.Extensions.Hosting;
using Narwhal.Core.Persistence;

namespace Narwhal.Core.Hosting;

/// <summary>
/// Applies migrations before anything else starts (IHostedLifecycleService.StartingAsync runs
/// before every hosted service's StartAsync, including the web server's).
/// </summary>
public sealed class SchemaMigrationStartup(Migrator migrator) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken ct) => migrator.MigrateAsync(ct);
    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;
}
