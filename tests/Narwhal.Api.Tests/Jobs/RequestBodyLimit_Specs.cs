using System.Net;
using Narwhal.Api.Tests.Support;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Jobs;

/// <summary>An Api started with NARWHAL_API_MAX_BODY_KB=4 refuses larger bodies before any handler runs.</summary>
[TestFixture]
public sealed class RequestBodyLimit_Specs() : StackFixture(apiSettings: new Dictionary<string, string?> { ["NARWHAL_API_MAX_BODY_KB"] = "4" })
{
    /// <summary>About 10 KB of script: well over the 4 KB limit.</summary>
    private static string[] OversizedScript() =>
        Enumerable.Range(0, 200).Select(i => $"echo line {i:D3} of a script that is far too long").ToArray();

    [Test]
    public async Task When_a_body_exceeds_the_limit_Should_answer_413_problem_and_create_no_job()
    {
        var response = await Client.PutJobAsync("too-big", JobRequests.Freestyle(OversizedScript()));

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE name = 'too-big'"), Is.Zero);
    }

    [Test]
    public async Task When_a_body_exceeds_the_limit_Should_say_in_the_problem_detail_which_setting_limits_it()
    {
        var response = await Client.PutJobAsync("too-big-detail", JobRequests.Freestyle(OversizedScript()));

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.That(problem.Detail(), Does.Contain("NARWHAL_API_MAX_BODY_KB"));
    }

    [Test]
    public async Task When_a_body_is_within_the_limit_Should_be_accepted()
    {
        var response = await Client.PutJobAsync("small-enough", JobRequests.Freestyle("echo fits"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }
}
