using System.Net;
using Narwhal.Api.Dtos;
using Narwhal.Api.Tests.Support;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Jobs;

/// <summary>retry, maxConcurrent and concurrencyGroup through PUT and GET /jobs: stored, shown, idempotent, diffed.</summary>
[TestFixture]
public sealed class JobFleetSettings_Specs : StackFixture
{
    private static JobRequest Deploy(int maxConcurrent = 1) => JobRequests.Freestyle("./deploy.sh") with
    {
        Retry = new RetryRequest { OnLost = 2 },
        MaxConcurrent = maxConcurrent,
        ConcurrencyGroup = "deploy-prod",
    };

    [Test]
    public async Task When_a_job_sets_them_Should_show_them_as_sent_and_answer_unchanged_to_the_same_body()
    {
        await Client.CreateJobAsync("fleet-settings", Deploy());

        var job = await Client.GetJsonAsync("/jobs/fleet-settings");
        Assert.That(job.GetProperty("retry").GetProperty("onLost").GetInt32(), Is.EqualTo(2));
        Assert.That(job.GetProperty("maxConcurrent").GetInt32(), Is.EqualTo(1));
        Assert.That(job.Str("concurrencyGroup"), Is.EqualTo("deploy-prod"));

        var again = await (await Client.PutJobAsync("fleet-settings", Deploy())).ReadJsonAsync();
        Assert.That(again.Str("outcome"), Is.EqualTo("unchanged"));
    }

    [Test]
    public async Task When_a_job_sets_none_Should_show_none()
    {
        await Client.CreateJobAsync("fleet-plain", JobRequests.Freestyle());

        var job = await Client.GetJsonAsync("/jobs/fleet-plain");

        foreach (var field in new[] { "retry", "maxConcurrent", "concurrencyGroup" })
            Assert.That(job.TryGetProperty(field, out _), Is.False, field);
    }

    [Test]
    public async Task When_maxConcurrent_changes_Should_list_it_among_the_changes()
    {
        await Client.CreateJobAsync("fleet-changed", Deploy());

        var updated = await (await Client.PutJobAsync("fleet-changed", Deploy(maxConcurrent: 2))).ReadJsonAsync();

        Assert.That(updated.Str("outcome"), Is.EqualTo("updated"));
        var change = updated.GetProperty("changes").EnumerateArray().Single();
        Assert.That(change.Str("field"), Is.EqualTo("maxConcurrent"));
        Assert.That((change.GetProperty("from").GetInt32(), change.GetProperty("to").GetInt32()), Is.EqualTo((1, 2)));
    }

    [Test]
    public async Task When_the_settings_are_invalid_Should_name_each_field()
    {
        var response = await Client.PutJsonTextAsync("/jobs/fleet-invalid", """
            { "type": "freestyle", "image": "x", "script": ["true"],
              "retry": { "onLost": 99 }, "maxConcurrent": 0, "concurrencyGroup": "bad name" }
            """);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Errors().Keys, Is.SupersetOf(new[] { "retry.onLost", "maxConcurrent", "concurrencyGroup" }));
    }

    [Test]
    public async Task When_retry_has_an_unknown_property_Should_refuse_the_body()
    {
        var response = await Client.PutJsonTextAsync("/jobs/fleet-typo", """
            { "type": "freestyle", "image": "x", "script": ["true"], "retry": { "onLost": 1, "attempts": 1 } }
            """);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }
}
