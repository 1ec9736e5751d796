using System.Runtime;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Runner.Docker;
using Narwhal.Testing;
using Npgsql;

namespace Narwhal.Bench;

public sealed record BenchEnvironment(
    string StartedAtUtc, string? GitCommit, string Host, int Cores, string Os, string Dotnet, bool ServerGc,
    string DockerHost, string DockerVersion, string Image,
    string PostgresServer, string PostgresVersion, string Fsync, string SynchronousCommit,
    string RabbitMq, string S3Url, string LoadAverageAtStart);

/// <summary>Preflight checks (with errors that say what to run) and the facts printed at the top.</summary>
public static class BenchEnvironmentProbe
{
    public static async Task<BenchEnvironment> ProbeAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));

        var dockerHost = TestEnvironment.DockerHost;
        string dockerVersion;
        using (var docker = DockerClientFactory.Create(dockerHost))
        {
            try
            {
                var version = await docker.System.GetVersionAsync(timeout.Token);
                dockerVersion = $"{version.Version} (API {version.APIVersion})";
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                throw new InvalidOperationException($"No Docker engine answers at {dockerHost} ({ex.Message}). Run scripts/services.sh up.", ex);
            }
        }
        using (var engine = new DockerEngine(dockerHost, NullLogger<DockerEngine>.Instance))
        {
            if (!await engine.ImageExistsAsync(TestEnvironment.BusyboxImage, timeout.Token))
                throw new InvalidOperationException($"Image {TestEnvironment.BusyboxImage} is not on the engine. Run scripts/images.sh.");
        }

        var server = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresServer) { Database = "postgres", Pooling = false, Timeout = 10 };
        string pgVersion, fsync, syncCommit;
        try
        {
            await using var connection = new NpgsqlConnection(server.ConnectionString);
            await connection.OpenAsync(timeout.Token);
            async Task<string> Show(string setting)
            {
                await using var command = new NpgsqlCommand($"SHOW {setting}", connection);
                return (string)(await command.ExecuteScalarAsync(timeout.Token))!;
            }
            pgVersion = await Show("server_version");
            fsync = await Show("fsync");
            syncCommit = await Show("synchronous_commit");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw new InvalidOperationException($"Postgres at {server.Host}:{server.Port} does not answer ({ex.Message}). Run scripts/services.sh up.", ex);
        }

        var rabbit = TestEnvironment.RabbitMq;
        return new BenchEnvironment(
            DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'"),
            Environment.GetEnvironmentVariable("BENCH_GIT_COMMIT") is { Length: > 0 } commit ? commit : null,
            Environment.MachineName, Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
            GCSettings.IsServerGC, dockerHost, dockerVersion, TestEnvironment.BusyboxImage,
            $"{server.Host}:{server.Port}", pgVersion, fsync, syncCommit,
            $"{rabbit.Host}:{rabbit.Port}", TestEnvironment.S3Url, LoadAverage());
    }

    /// <summary>1, 5 and 15 minute load averages: anything else busy on the machine shows here.</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(' ', parts.Take(3));
        }
        catch
        {
            return "unknown";
        }
    }
}
