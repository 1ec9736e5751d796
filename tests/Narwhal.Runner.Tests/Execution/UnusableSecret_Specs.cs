using Narwhal.Api.Jobs;
using Narwhal.Core.Jobs;
using Narwhal.Runner.Tests.Fleet;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Execution;

/// <summary>
/// A secret stored before the Api refused NUL in values cannot reach Docker (whose refusal would
/// quote NAME=value): the run ends <c>error</c> naming the secret, and its value is nowhere.
/// </summary>
[TestFixture]
public sealed class UnusableSecret_Specs : FleetFixture
{
    [Test]
    public async Task When_a_stored_secret_holds_a_NUL_Should_end_the_run_in_error_naming_it_without_its_value()
    {
        await Client.PutClassJobAsync("nul-secret", "small", "echo never");
        var job = (await Stack.ApiService<JobStore>().GetAsync("nul-secret", includeDeleted: false, CancellationToken.None))!;
        // Straight into the store, as an older Api would have let it through.
        await Stack.ApiService<JobSecretStore>().SetAsync(job.Id, "LEGACY_TOKEN", "s3cret-before\0after", CancellationToken.None);
        await Stack.StartRunnerAsync("nul-secret-runner");

        var run = await Client.TriggerIdAsync("nul-secret");
        var done = await Client.WaitForRunEndAsync(run.ToString(), TimeSpan.FromSeconds(90));
        var log = await Client.GetStringAsync($"/runs/{run}/results/console");

        Assert.That(done.Str("status"), Is.EqualTo("error"));
        Assert.That(done.Str("statusReason"), Does.Contain("LEGACY_TOKEN").And.Contain("NUL"));
        Assert.That(done.Str("statusReason"), Does.Not.Contain("s3cret-before"));
        Assert.That(log, Does.Not.Contain("s3cret-before"));
        Assert.That(log, Does.Not.Contain("never"), "nothing ran");
    }
}
