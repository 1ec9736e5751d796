using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Narwhal.Testing;
using Npgsql;

namespace Narwhal.Chaos;

/// <summary>
/// Real restarts of THE shared services (the Postgres server and the RabbitMQ node every engineer's
/// tests on this machine use). Only behind --real-postgres-restart / --real-rabbitmq-restart, by hand:
/// everything else connected to them sees the outage too.
/// </summary>
public static class SharedServices
{
    private static readonly TimeSpan CommandLimit = TimeSpan.FromSeconds(120);

    /// <summary>
    /// <c>pg_ctl restart -m fast</c> as user postgres, as scripts/services.sh runs pg_ctl. The server itself
    /// says where its data folder and its binaries are (so this finds the cluster services.sh started,
    /// symlinked or not); <c>restart</c> reuses the options it was started with (postmaster.opts).
    /// </summary>
    public static async Task RestartPostgresAsync(Action<string> say, CancellationToken ct)
    {
        string dataDir, binDir;
        await using (var connection = new NpgsqlConnection(TestEnvironment.PostgresServer))
        {
            await connection.OpenAsync(ct);
            dataDir = await connection.ExecuteScalarAsync<string>("SHOW data_directory") ?? throw new InvalidOperationException("no data_directory");
            binDir = await connection.ExecuteScalarAsync<string>("SELECT setting FROM pg_config WHERE name = 'BINDIR'")
                ?? throw new InvalidOperationException("no BINDIR in pg_config");
        }
        say($"  pg_ctl restart -m fast -D {dataDir} (THE shared Postgres)");
        await RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(binDir, "pg_ctl"), "-D", dataDir, "-l", Path.Combine(dataDir, "server.log"),
            "-m", "fast", "-w", "-t", "60", "restart"], null, ct);
    }

    /// <summary>
    /// <c>rabbitmqctl stop_app</c> or <c>start_app</c> on the node services.sh runs: its name from the
    /// management API, its Erlang cookie from the node's home (services.sh's data folder + /rabbitmq), its
    /// port mapper from NARWHAL_EPMD_PORT (run.sh sets it as services.sh computes it).
    /// </summary>
    public static async Task RabbitMqAppAsync(string action, string servicesDataDir, Action<string> say, CancellationToken ct)
    {
        var management = TestEnvironment.RabbitMqManagement;
        using var http = new HttpClient { BaseAddress = management, Timeout = TimeSpan.FromSeconds(10) };
        if (management.UserInfo.Split(':') is [var user, var password])
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Uri.UnescapeDataString(user)}:{Uri.UnescapeDataString(password)}")));
        var node = (await http.GetFromJsonAsync<JsonElement>("api/overview", ct)).GetProperty("node").GetString()!;
        var home = Path.Combine(servicesDataDir, "rabbitmq");
        if (!File.Exists(Path.Combine(home, ".erlang.cookie")))
            throw new InvalidOperationException($"no Erlang cookie at {home}/.erlang.cookie: pass the data folder of scripts/services.sh (--services-data)");
        // The environment scripts/services.sh gives rabbitmqctl (its rmq_env): with less, the CLI was seen to crash here.
        var env = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["RABBITMQ_NODENAME"] = node,
            ["ERL_EPMD_PORT"] = Environment.GetEnvironmentVariable("NARWHAL_EPMD_PORT") is { Length: > 0 } port ? port : "55405",
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(home, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(home, "log"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(servicesDataDir, "run", "rabbitmq.pid"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(home, "enabled_plugins"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(home, "rabbitmq.conf"),
            ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(home, "rabbitmq-env.conf"),
            ["PATH"] = "/usr/lib/rabbitmq/bin:" + Environment.GetEnvironmentVariable("PATH"),
        };
        say($"  rabbitmqctl -n {node} {action} (THE shared RabbitMQ node)");
        await RunAsync("rabbitmqctl", ["-n", node, action], env, ct);
    }

    private static async Task RunAsync(string file, string[] args, IReadOnlyDictionary<string, string>? env, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) info.Environment[k] = v;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        process.StandardInput.Close();
        var output = Task.WhenAll(process.StandardOutput.ReadToEndAsync(ct), process.StandardError.ReadToEndAsync(ct));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(CommandLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not end within {CommandLimit.TotalSeconds:0} s");
        }
        var texts = await output;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {string.Join(' ', texts).Trim()}");
    }
}
