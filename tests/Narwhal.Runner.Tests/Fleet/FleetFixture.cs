using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Fleet;

/// <summary>A stack of its own per fixture (Api, database, vhost, bucket); the Runners a test starts are stopped after it.</summary>
public abstract class FleetFixture : StackFixture
{
    [TearDown]
    public async Task StopRunners() => await Stack.StopStartedAsync();
}
