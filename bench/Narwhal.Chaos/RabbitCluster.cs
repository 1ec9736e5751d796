using System.Diagnostics;
using System.Globalization;

namespace Narwhal.Chaos;

/// <summary>
/// The suite's own three-node RabbitMQ cluster (experiment 7), driven through
/// <c>bench/chaos/rabbit-cluster.sh</c>: nodes chaos1..3@localhost with one cookie and one epmd of their
/// own, in a scratch folder that <see cref="DisposeAsync"/> removes with everything it started. The
/// shared services' node and epmd are never touched.
/// </summary>
public sealed class RabbitCluster : IAsyncDisposable
{
    /// <summary>Node N (1-3) listens for AMQP on this base + N - 1, loopback only (the script's default).</summary>
    public const int AmqpBase = 57372;
    private static readonly TimeSpan CommandLimit = TimeSpan.FromSeconds(240);
    private readonly string _script;
    private readonly string _dir;
    private readonly Action<string> _say;
    private bool _up;

    private RabbitCluster(string script, string dir, Action<string> say)
    {
        _script = script;
        _dir = dir;
        _say = say;
    }

    /// <summary>
    /// Starts the cluster. run.sh names the script and the scratch folder (CHAOS_RABBIT_CLUSTER_SCRIPT,
    /// CHAOS_RABBIT_CLUSTER_DIR) so that it can still tear the cluster down if this process is killed.
    /// </summary>
    public static async Task<RabbitCluster> StartAsync(Action<string> say, CancellationToken ct)
    {
        var script = Environment.GetEnvironmentVariable("CHAOS_RABBIT_CLUSTER_SCRIPT") is { Length: > 0 } s
            ? s : Path.Combine("bench", "chaos", "rabbit-cluster.sh");
        var dir = Environment.GetEnvironmentVariable("CHAOS_RABBIT_CLUSTER_DIR") is { Length: > 0 } d
            ? d : Path.Combine(Path.GetTempPath(), $"narwhal-chaos-rabbit-{Environment.ProcessId}");
        var cluster = new RabbitCluster(script, dir, say);
        cluster._up = true;
        try
        {
            await cluster.RunAsync(ct, "up");
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>The AMQP address of <paramref name="vhost"/> on node <paramref name="node"/> (guest is allowed on loopback).</summary>
    public static Uri Amqp(int node, string vhost) =>
        new(string.Create(CultureInfo.InvariantCulture, $"amqp://guest:guest@127.0.0.1:{AmqpBase + node - 1}/{Uri.EscapeDataString(vhost)}"));

    public static string NodeName(int node) => string.Create(CultureInfo.InvariantCulture, $"chaos{node}@localhost");

    public Task AddVhostAsync(string vhost, CancellationToken ct) => RunAsync(ct, "vhost", vhost);

    /// <summary>SIGKILL of node <paramref name="node"/>'s Erlang VM.</summary>
    public Task KillAsync(int node, CancellationToken ct) => RunAsync(ct, "kill", node.ToString(CultureInfo.InvariantCulture));

    /// <summary>Starts node <paramref name="node"/> again; it rejoins the cluster from its own data. Returns once it runs.</summary>
    public Task StartNodeAsync(int node, CancellationToken ct) => RunAsync(ct, "start", node.ToString(CultureInfo.InvariantCulture));

    /// <summary>The members of quorum queue <paramref name="queue"/> (the script's <c>members</c>), one node name a line.</summary>
    public async Task<IReadOnlyList<string>> MembersAsync(string vhost, string queue, CancellationToken ct) =>
        (await RunAsync(ct, "members", vhost, queue)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private async Task<string> RunAsync(CancellationToken ct, params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add(_script);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["CHAOS_RABBIT_CLUSTER_DIR"] = _dir;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{_script} did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(CommandLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"rabbit-cluster.sh {string.Join(' ', args)} did not end within {CommandLimit.TotalSeconds:0} s");
        }
        // Bounded: should a process the script started keep its output open, the script's exit still counts.
        await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
        if (stderr.IsCompletedSuccessfully)
            foreach (var line in stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries)) _say("  " + line);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"rabbit-cluster.sh {string.Join(' ', args)} exited with {process.ExitCode}");
        return stdout.IsCompletedSuccessfully ? stdout.Result : throw new InvalidOperationException($"rabbit-cluster.sh {string.Join(' ', args)}: its output did not end");
    }

    /// <summary>Shuts the three nodes down and kills the cluster's epmd, by the PIDs the script recorded; removes the folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_up) return;
        _up = false;
        try
        {
            await RunAsync(CancellationToken.None, "down");
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            _say($"  warning: the RabbitMQ cluster's teardown failed ({ex.Message}); run.sh tries again at its end");
        }
    }
}
