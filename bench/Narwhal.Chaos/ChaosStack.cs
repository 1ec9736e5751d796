using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Bench;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Narwhal.Testing;
using Narwhal.Testing.Faults;

namespace Narwhal.Chaos;

/// <summary>Which connections of a stack go through a fault proxy.</summary>
public enum PostgresRoute
{
    Direct,
    /// <summary>The Api, the Dispatcher and every Runner reach Postgres through one proxy (the database "goes away" for all).</summary>
    AllThroughProxy,
    /// <summary>Only the Runners go through the proxy (faults placed on the Runner's own writes).</summary>
    RunnersThroughProxy,
}

/// <summary>
/// Which node of the suite's own RabbitMQ cluster each process of a stack connects to (experiment 7):
/// Runner i (1-based) to <c>RunnerNodes[(i - 1) % count]</c>, also when started again.
/// </summary>
public sealed record ClusterRoute(RabbitCluster Cluster, int ApiNode, int DispatcherNode, IReadOnlyList<int> RunnerNodes);

/// <summary>
/// What an experiment's stack is made of. The Api and the Dispatcher run in the suite's process unless
/// an experiment must kill them: then they are processes of their own.
/// </summary>
public sealed record StackPlan(int Runners, int Slots, PostgresRoute Postgres = PostgresRoute.Direct, bool AmqpThroughProxy = false,
    bool ApiAsProcess = false, bool DispatcherAsProcess = false, ClusterRoute? Cluster = null);

/// <summary>
/// One experiment's Narwhal: a TestStack of its own (database, vhost, bucket, instance), its Api and
/// Dispatcher in this process, its Runners as processes of their own (so they can be SIGKILLed), the
/// fault proxies the plan asks for, and the Docker events of its instance, subscribed before anything
/// starts. Disposing stops the Runners (SIGTERM), counts what the instance left in Docker, removes it,
/// and drops the stack.
/// </summary>
public sealed class ChaosStack : IAsyncDisposable
{
    /// <summary>
    /// CHAOS_DEFAULT_FLEET_TIMINGS=1: the product's own fleet timings (heartbeat 3 s, offline after
    /// 20 s, a scan every 2 s), to measure how soon a dead Runner's runs are flagged as deployed.
    /// </summary>
    public static readonly bool DefaultFleetTimings = Environment.GetEnvironmentVariable("CHAOS_DEFAULT_FLEET_TIMINGS") == "1";

    /// <summary>By default the fleet timings of the end-to-end fleet tests: heartbeat 1 s, offline after 5 s, a scan every second.</summary>
    public static readonly TimeSpan OfflineTimeout = TimeSpan.FromSeconds(DefaultFleetTimings ? 20 : 5);
    private readonly List<RunnerProcess> _runners = [];
    private readonly Dictionary<string, string?> _runnerOverrides = [];
    /// <summary>Per Runner id, its node of the cluster (plan.Cluster), else empty.</summary>
    private readonly Dictionary<string, string> _runnerAmqp = [];
    private readonly string _scratch;
    private readonly string _logDir;
    private readonly string _name;

    private ChaosStack(TestStack stack, string name, string logDir, DockerEventStream events)
    {
        Stack = stack;
        _name = name;
        _logDir = logDir;
        Events = events;
        _scratch = Directory.CreateTempSubdirectory("narwhal-chaos-").FullName;
    }

    public TestStack Stack { get; }
    public DockerEventStream Events { get; }
    /// <summary>In front of Postgres for whoever the plan routes through it; null when direct.</summary>
    public TcpFaultProxy? Postgres { get; private set; }
    /// <summary>In front of RabbitMQ (AMQP) for the Api, the Dispatcher and the Runners; null when direct.</summary>
    public TcpFaultProxy? Amqp { get; private set; }
    public IReadOnlyList<RunnerProcess> Runners => _runners;
    /// <summary>The Api as a process of its own (plan.ApiAsProcess), else null: it runs in the suite's process.</summary>
    public AppProcess? ApiProcess { get; private set; }
    /// <summary>The Dispatcher as a process of its own (plan.DispatcherAsProcess), else null.</summary>
    public AppProcess? DispatcherProcess { get; private set; }
    private Dictionary<string, string?> _apiSettings = [];
    private Dictionary<string, string?> _dispatcherSettings = [];
    private readonly List<AppProcess> _retired = [];
    public const string ApiListen = "NARWHAL_API_LISTEN";
    public const string DispatcherListen = "NARWHAL_DISPATCHER_LISTEN";

    /// <summary>A client of the stack's Api (in this process or its own), with the admin token.</summary>
    public HttpClient Client()
    {
        if (ApiProcess is null) return Stack.Client();
        var client = new HttpClient { BaseAddress = ApiProcess.Url, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestStack.AdminToken);
        return client;
    }

    /// <summary>SIGKILL of the Api process; <see cref="RestartApiAsync"/> starts it again on the same port.</summary>
    public Task KillApiAsync() => ApiProcess!.KillAsync();

    public async Task RestartApiAsync()
    {
        _retired.Add(ApiProcess!);
        ApiProcess = ApiProcess!.Restart(_apiSettings, ApiListen);
        await ApiProcess.WaitReadyAsync(TimeSpan.FromSeconds(120));
    }

    public Task KillDispatcherAsync() => DispatcherProcess!.KillAsync();

    public async Task RestartDispatcherAsync()
    {
        _retired.Add(DispatcherProcess!);
        DispatcherProcess = DispatcherProcess!.Restart(_dispatcherSettings, DispatcherListen);
        await DispatcherProcess.WaitReadyAsync(TimeSpan.FromSeconds(120));
    }
    /// <summary>Containers of the instance found after the Runners stopped (then removed): what the fleet left behind.</summary>
    public List<string> Leftovers { get; } = [];

    /// <summary>A stack whose Runners are named <c>&lt;name&gt;-r1</c>, <c>-r2</c>…</summary>
    public static async Task<ChaosStack> StartAsync(string name, StackPlan plan, string logDir, Action<string> say, CancellationToken ct)
    {
        var stack = await TestStack.CreateAsync(startApi: false);
        DockerEventStream? events = null;
        try
        {
            events = await DockerEventStream.OpenAsync(TestEnvironment.DockerHost, stack.Instance, RunLabels.RunId, ct);
            var chaos = new ChaosStack(stack, name, logDir, events);
            await chaos.StartAsync(plan, say);
            return chaos;
        }
        catch
        {
            if (events is not null) await events.DisposeAsync();
            await stack.DisposeAsync();
            await InstanceLeftovers.RemoveAsync(stack.Instance, _ => { });
            throw;
        }
    }

    private async Task StartAsync(StackPlan plan, Action<string> say)
    {
        var shared = new Dictionary<string, string?>(Quiet.Settings);
        if (plan.Postgres != PostgresRoute.Direct)
        {
            var (proxy, proxied) = TcpFaultProxy.ForPostgres(Stack.Database.ConnectionString);
            Postgres = proxy;
            _runnerOverrides["NARWHAL_POSTGRES"] = proxied;
            if (plan.Postgres == PostgresRoute.AllThroughProxy) shared["NARWHAL_POSTGRES"] = proxied;
        }
        if (plan.AmqpThroughProxy)
        {
            var (proxy, proxied) = TcpFaultProxy.ForAmqp(Stack.Vhost.AmqpUrl);
            Amqp = proxy;
            shared["NARWHAL_RABBITMQ"] = _runnerOverrides["NARWHAL_RABBITMQ"] = proxied.ToString();
        }
        var dispatcher = new Dictionary<string, string?>(shared);
        if (plan.Cluster is { } route)
        {
            // The stack's vhost, same name as on the shared node (which the management API, and so the
            // Dispatcher's queue-depth reader, keeps looking at: there it is empty, and only autoscaling reads it).
            await route.Cluster.AddVhostAsync(Stack.Vhost.Name, CancellationToken.None);
            shared["NARWHAL_RABBITMQ"] = RabbitCluster.Amqp(route.ApiNode, Stack.Vhost.Name).ToString();
            dispatcher["NARWHAL_RABBITMQ"] = RabbitCluster.Amqp(route.DispatcherNode, Stack.Vhost.Name).ToString();
            for (var i = 1; i <= plan.Runners; i++)
                _runnerAmqp[$"{_name}-r{i}"] = RabbitCluster.Amqp(route.RunnerNodes[(i - 1) % route.RunnerNodes.Count], Stack.Vhost.Name).ToString();
        }
        if (!DefaultFleetTimings)
        {
            dispatcher["NARWHAL_HEARTBEAT_INTERVAL_SECONDS"] = "1";
            dispatcher["NARWHAL_RUNNER_OFFLINE_SECONDS"] = OfflineTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture);
            dispatcher["NARWHAL_FLEET_CHECK_SECONDS"] = "1";
        }
        if (plan.ApiAsProcess)
        {
            _apiSettings = ProcessSettings(shared);
            _apiSettings["NARWHAL_ADMIN_TOKEN"] = TestStack.AdminToken;
            ApiProcess = AppProcess.Start("Narwhal.Api", ApiListen, _apiSettings);
            await ApiProcess.WaitReadyAsync(TimeSpan.FromSeconds(120));
        }
        else await Stack.StartApiAsync(shared);
        if (plan.DispatcherAsProcess)
        {
            _dispatcherSettings = ProcessSettings(dispatcher);
            DispatcherProcess = AppProcess.Start("Narwhal.Dispatcher", DispatcherListen, _dispatcherSettings);
            await DispatcherProcess.WaitReadyAsync(TimeSpan.FromSeconds(120));
        }
        else await Stack.StartDispatcherAsync(dispatcher);
        var starting = Enumerable.Range(1, plan.Runners).Select(i => RunnerProcess.Start($"{_name}-r{i}", RunnerSettings($"{_name}-r{i}", plan.Slots))).ToList();
        _runners.AddRange(starting);
        await Task.WhenAll(starting.Select(WaitReadyAsync));
        await UntilOnlineAsync(starting.Select(r => r.RunnerId).ToList());
        say($"  stack {Stack.Instance}: Api, Dispatcher, {plan.Runners} Runner process(es) × {plan.Slots} slot(s)" +
            $"{(Postgres is null ? "" : $"; Postgres through a proxy ({plan.Postgres})")}{(Amqp is null ? "" : "; AMQP through a proxy")}" +
            $"{(plan.Cluster is { } c ? $"; RabbitMQ cluster: Api → node {c.ApiNode}, Dispatcher → node {c.DispatcherNode}, Runners → nodes {string.Join(",", c.RunnerNodes)}" : "")}");
    }

    /// <summary>The stack's settings plus <paramref name="overrides"/>, as the environment of a process (only NARWHAL_* names).</summary>
    private Dictionary<string, string?> ProcessSettings(IReadOnlyDictionary<string, string?> overrides)
    {
        var settings = Stack.CommonSettings();
        foreach (var (k, v) in overrides.Where(o => o.Key.StartsWith("NARWHAL_", StringComparison.Ordinal))) settings[k] = v;
        return settings;
    }

    /// <summary>The environment of a Runner process: the stack's settings, fleet-test timings, its spools under the scratch folder.</summary>
    private Dictionary<string, string?> RunnerSettings(string runnerId, int slots)
    {
        var settings = Stack.CommonSettings();
        settings["NARWHAL_RUNNER_CLASSES"] = "small";
        settings["NARWHAL_RUNNER_SLOTS"] = slots.ToString(CultureInfo.InvariantCulture);
        settings["NARWHAL_RUNNER_QUOTA_CPU"] = slots.ToString(CultureInfo.InvariantCulture);
        settings["NARWHAL_RUNNER_SHUTDOWN_GRACE"] = "10";
        settings["NARWHAL_JOB_STOP_GRACE"] = "1";
        if (!DefaultFleetTimings) settings["NARWHAL_HEARTBEAT_INTERVAL_SECONDS"] = "1";
        // This shared 2-core machine's load must not pause the Runners' intake through the host-CPU gate.
        settings["NARWHAL_RUNNER_CPU_MAX_PERCENT"] = "100";
        settings["NARWHAL_RUNNER_MIN_FREE_DISK_MB"] = "0";
        settings["NARWHAL_RUNNER_WORK_DIR"] = Path.Combine(_scratch, runnerId, "work");
        settings["NARWHAL_RUNNER_GIT_CACHE"] = Path.Combine(_scratch, runnerId, "git");
        foreach (var (k, v) in _runnerOverrides) settings[k] = v;
        if (_runnerAmqp.TryGetValue(runnerId, out var amqp)) settings["NARWHAL_RABBITMQ"] = amqp;
        return settings;
    }

    /// <summary>Starts (again) a Runner process under <paramref name="runnerId"/>: a restarted Runner removes what its previous life left.</summary>
    /// <summary>Containers of this stack's instance that Runner <paramref name="runnerId"/> started and that are still there.</summary>
    public async Task<int> ContainersOfAsync(string runnerId)
    {
        using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return (await engine.ListContainersAsync(new Dictionary<string, string> { [RunLabels.Instance] = Stack.Instance, [RunLabels.RunnerId] = runnerId },
            timeout.Token)).Count;
    }

    public async Task<RunnerProcess> RestartRunnerAsync(string runnerId, int slots)
    {
        var runner = RunnerProcess.Start(runnerId, RunnerSettings(runnerId, slots));
        _runners.Add(runner);
        await WaitReadyAsync(runner);
        return runner;
    }

    /// <summary>
    /// RunnerProcess.WaitReadyAsync, again while a health probe merely timed out: on this loaded 2-core
    /// machine a starting Runner can take longer than the probe's 5 s to answer, which is slowness, not failure.
    /// </summary>
    private static async Task WaitReadyAsync(RunnerProcess runner)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await runner.WaitReadyAsync(TimeSpan.FromSeconds(120) - clock.Elapsed);
                return;
            }
            catch (TaskCanceledException) when (clock.Elapsed < TimeSpan.FromSeconds(110) && !runner.HasExited)
            {
            }
        }
    }

    private async Task UntilOnlineAsync(IReadOnlyList<string> runnerIds)
    {
        var store = new Narwhal.Core.Fleet.RunnerStore(Stack.Database.DataSource);
        await Eventually.UntilAsync(async () =>
        {
            foreach (var id in runnerIds)
                if ((await store.GetAsync(id, CancellationToken.None))?.State != Narwhal.Core.Fleet.RunnerState.Online) return false;
            return true;
        }, "the Runners to be online (heartbeats recorded)", TimeSpan.FromSeconds(60));
    }

    /// <summary>Runs that Runner <paramref name="runnerId"/> holds as running in the database (straight to Postgres).</summary>
    public async Task<int> RunningOnAsync(string runnerId, CancellationToken ct)
    {
        await using var connection = await Stack.Database.DataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*)::int FROM runs WHERE runner_id = @runnerId AND status = @running",
            new { runnerId, running = RunStatus.Running.Name() }, cancellationToken: ct));
    }

    /// <summary>Until Runner <paramref name="runnerId"/> runs something (a victim worth killing), at most 60 s.</summary>
    public async Task UntilRunningOnAsync(string runnerId, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await RunningOnAsync(runnerId, ct) == 0)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"Runner {runnerId} ran nothing within 60 s");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>PUT /jobs/{name}: a busybox freestyle job, with <c>retry: { onLost: N }</c> when <paramref name="onLost"/> &gt; 0.</summary>
    public async Task PutJobAsync(string name, int onLost, params string[] script)
    {
        using var client = Client();
        object body = onLost > 0
            ? new { type = "freestyle", image = TestEnvironment.BusyboxImage, script, retry = new { onLost } }
            : new { type = "freestyle", image = TestEnvironment.BusyboxImage, script };
        using var put = await client.PutAsJsonAsync($"/jobs/{name}", body, Json.Options);
        if (put.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
            throw new InvalidOperationException($"PUT /jobs/{name} answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync()}");
    }

    public async ValueTask DisposeAsync()
    {
        // SIGTERM to every Runner still alive, at once; each killed if it has not exited within its grace.
        await Task.WhenAll(_runners.Select(r => r.StopAsync(TimeSpan.FromSeconds(30))));
        Directory.CreateDirectory(_logDir);
        foreach (var (runner, i) in _runners.Select((r, i) => (r, i)))
        {
            await File.WriteAllTextAsync(Path.Combine(_logDir, $"{runner.RunnerId}-{i}.log"), runner.Output);
            await runner.DisposeAsync();
        }
        foreach (var app in new[] { ApiProcess, DispatcherProcess }.OfType<AppProcess>())
        {
            await app.DisposeAsync();
            await File.WriteAllTextAsync(Path.Combine(_logDir, $"{_name}-{app.Name}.log"), app.Output);
        }
        foreach (var app in _retired) await app.DisposeAsync();
        if (Postgres is not null) await Postgres.DisposeAsync();
        if (Amqp is not null) await Amqp.DisposeAsync();
        await Events.DisposeAsync();
        // Counted once the Runners are gone: a container of the instance still there now was left behind.
        Leftovers.AddRange(await InstanceLeftovers.RemoveAsync(Stack.Instance, _ => { }));
        await Stack.DisposeAsync();
        try { Directory.Delete(_scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
