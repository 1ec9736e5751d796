using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Narwhal.Api;
using Narwhal.Runner;

namespace Narwhal.Testing;

/// <summary>
/// A whole Narwhal of its own for one fixture: database, vhost, bucket and instance name, an Api
/// on a free port, and Runners started on demand, all in this process against the real services.
/// </summary>
public sealed class TestStack : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token-0123456789abcdef";
    public const string SecretsKeys = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    /// <summary>Runners and Dispatchers started on demand, in order; stopped with the stack.</summary>
    private readonly List<WebApplication> _started = [];

    private TestStack(TestDatabase database, TestVhost vhost, TestBucket bucket, string instance)
    {
        Database = database;
        Vhost = vhost;
        Bucket = bucket;
        Instance = instance;
    }

    public TestDatabase Database { get; }
    public TestVhost Vhost { get; }
    public TestBucket Bucket { get; }
    public string Instance { get; }
    public WebApplication? Api { get; private set; }
    public Uri ApiUrl { get; private set; } = null!;
    /// <summary>The Runners and Dispatchers started so far and not stopped.</summary>
    public IReadOnlyList<WebApplication> Started => _started;

    public static async Task<TestStack> CreateAsync(bool startApi = true, IDictionary<string, string?>? apiSettings = null)
    {
        var stack = new TestStack(await TestDatabase.CreateAsync(), await TestVhost.CreateAsync(), await TestBucket.CreateAsync(),
            TestEnvironment.NewInstanceName());
        if (startApi) await stack.StartApiAsync(apiSettings);
        return stack;
    }

    /// <summary>The settings every process of this stack shares.</summary>
    public Dictionary<string, string?> CommonSettings() => new()
    {
        ["NARWHAL_INSTANCE"] = Instance,
        ["NARWHAL_POSTGRES"] = Database.ConnectionString,
        ["NARWHAL_POSTGRES_MAX_POOL"] = "10",
        ["NARWHAL_RABBITMQ"] = Vhost.AmqpUrl.ToString(),
        ["NARWHAL_RABBITMQ_MANAGEMENT"] = TestEnvironment.RabbitMqManagement.ToString(),
        ["NARWHAL_S3_URL"] = Bucket.Settings.ServiceUrl,
        ["NARWHAL_S3_BUCKET"] = Bucket.Settings.Bucket,
        ["NARWHAL_S3_ACCESS_KEY"] = Bucket.Settings.AccessKey,
        ["NARWHAL_S3_SECRET_KEY"] = Bucket.Settings.SecretKey,
        ["NARWHAL_S3_CHUNKED_ENCODING"] = Bucket.Settings.UseChunkEncoding ? "true" : "false",
        ["NARWHAL_DOCKER_HOST"] = TestEnvironment.DockerHost,
        ["NARWHAL_RESOURCE_CLASSES"] = "small,large",
        // A fixed test key: "k1" + 32 bytes.
        ["NARWHAL_SECRETS_KEYS"] = SecretsKeys,
        ["NARWHAL_LOG_LEVEL"] = Environment.GetEnvironmentVariable("NARWHAL_TEST_LOG_LEVEL") ?? "warning",
    };

    public async Task StartApiAsync(IDictionary<string, string?>? overrides = null)
    {
        var settings = CommonSettings();
        settings["NARWHAL_API_LISTEN"] = "http://127.0.0.1:0";
        settings["NARWHAL_ADMIN_TOKEN"] = AdminToken;
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>()) settings[k] = v;
        Api = ApiApplication.Build([], b => b.Configuration.AddInMemoryCollection(settings));
        await Api.StartAsync();
        ApiUrl = new Uri(BoundAddress(Api));
    }

    /// <summary>
    /// Starts a Runner with this stack's settings plus <paramref name="overrides"/> (e.g. NARWHAL_RUNNER_SLOTS).
    /// <paramref name="services"/> registers replacements before the Runner's own services (which
    /// keep a replaceable one, e.g. a fake <c>ICpuSampler</c>).
    /// </summary>
    public async Task<WebApplication> StartRunnerAsync(string runnerId, IDictionary<string, string?>? overrides = null,
        Action<IServiceCollection>? services = null)
    {
        var settings = CommonSettings();
        settings["NARWHAL_RUNNER_LISTEN"] = "http://127.0.0.1:0";
        settings["NARWHAL_RUNNER_ID"] = runnerId;
        settings["NARWHAL_RUNNER_CLASSES"] = "small";
        settings["NARWHAL_RUNNER_SHUTDOWN_GRACE"] = "30";
        settings["NARWHAL_JOB_STOP_GRACE"] = "2";
        // The test machine's own CPU load (parallel fixtures, builds) must not pause test Runners;
        // tests of the CPU gate set a threshold and a fake reading.
        settings["NARWHAL_RUNNER_CPU_MAX_PERCENT"] = "100";
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>()) settings[k] = v;
        var runner = RunnerApplication.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            services?.Invoke(b.Services);
        });
        await runner.StartAsync();
        _started.Add(runner);
        return runner;
    }

    /// <summary>Starts a Dispatcher with this stack's settings plus <paramref name="overrides"/>; stopped with the stack.</summary>
    public async Task<WebApplication> StartDispatcherAsync(IDictionary<string, string?>? overrides = null)
    {
        var settings = CommonSettings();
        settings["NARWHAL_DISPATCHER_LISTEN"] = "http://127.0.0.1:0";
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>()) settings[k] = v;
        var dispatcher = Narwhal.Dispatcher.DispatcherApplication.Build([], b => b.Configuration.AddInMemoryCollection(settings));
        await dispatcher.StartAsync();
        _started.Add(dispatcher);
        return dispatcher;
    }

    /// <summary>Stops one started Runner or Dispatcher.</summary>
    public async Task StopAsync(WebApplication started)
    {
        _started.Remove(started);
        await started.StopAsync();
        await started.DisposeAsync();
    }

    /// <summary>Stops every Runner and Dispatcher started so far (the Api keeps running).</summary>
    public async Task StopStartedAsync()
    {
        foreach (var started in _started.ToList()) await StopAsync(started);
    }

    public HttpClient Client(string? token = AdminToken)
    {
        var client = new HttpClient { BaseAddress = ApiUrl, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public T ApiService<T>() where T : notnull => Api!.Services.GetRequiredService<T>();

    /// <summary>The address a started app (Api, Runner, Dispatcher) listens on.</summary>
    public static string BoundAddress(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public async ValueTask DisposeAsync()
    {
        await StopStartedAsync();
        if (Api is not null)
        {
            await Api.StopAsync();
            await Api.DisposeAsync();
        }
        // Every run has a network of its own and the engine has only so many address pools: what a
        // killed Runner left must not pile up over a test run and starve later runs.
        await InstanceLeftovers.RemoveAsync(Instance, line => Console.Error.WriteLine($"TestStack {Instance}: {line}"));
        await Bucket.DisposeAsync();
        await Vhost.DisposeAsync();
        await Database.DisposeAsync();
    }
}
