using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Fleet;

/// <summary>A stack of its own per fixture (Api, database, vhost, bucket); the Runners a test starts are stopped after it.</summary>
public abstract class FleetFixture
{
    protected TestStack Stack { get; private set; } = null!;
    protected HttpClient Client { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartStack()
    {
        Stack = await TestStack.CreateAsync();
        Client = Stack.Client();
    }

    [OneTimeTearDown]
    public async Task StopStack()
    {
        Client.Dispose();
        await Stack.DisposeAsync();
    }

    [TearDown]
    public async Task StopRunners()
    {
        await Stack.StopStartedAsync();
    }
}
