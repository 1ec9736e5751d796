using NUnit.Framework;

namespace Narwhal.Testing;

/// <summary>
/// A fixture with a <see cref="TestStack"/> of its own (database, vhost, bucket, instance name, an Api), created before
/// its tests and dropped after them, leftovers included. A derived fixture's own [OneTimeSetUp] runs after the stack is
/// up and its [OneTimeTearDown] before the stack goes (NUnit runs a base class's set-up first and its tear-down last).
/// </summary>
public abstract class StackFixture
{
    private readonly IDictionary<string, string?>? _apiSettings;
    private readonly bool _startApi;
    private HttpClient? _client;

    /// <param name="apiSettings">Settings the Api starts with, over the stack's own (e.g. a webhook secret).</param>
    /// <param name="startApi">False for a fixture that starts the Api itself (<see cref="TestStack.StartApiAsync"/>), or none.</param>
    protected StackFixture(IDictionary<string, string?>? apiSettings = null, bool startApi = true)
    {
        _apiSettings = apiSettings;
        _startApi = startApi;
    }

    protected TestStack Stack { get; private set; } = null!;

    /// <summary>A client of the stack's Api holding the admin token (made on first use, so after a late-started Api too).</summary>
    protected HttpClient Client => _client ??= Stack.Client();

    [OneTimeSetUp]
    public async Task StartStack() => Stack = await TestStack.CreateAsync(_startApi, _apiSettings);

    [OneTimeTearDown]
    public async Task StopStack()
    {
        _client?.Dispose();
        // Null when creating it failed: NUnit still runs the tear-down.
        if (Stack is { } stack) await stack.DisposeAsync();
        await AfterStackStoppedAsync();
    }

    /// <summary>
    /// Runs once the stack is gone: for what must outlive it (a proxy in front of its database, a folder its Runners
    /// read, a fake GitHub its Dispatchers call) and for checks of what it left behind.
    /// </summary>
    protected virtual Task AfterStackStoppedAsync() => Task.CompletedTask;
}
