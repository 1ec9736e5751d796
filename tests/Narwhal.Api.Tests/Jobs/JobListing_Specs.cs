using System.Net;
using Narwhal.Api.Tests.Support;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Jobs;

/// <summary>GET /jobs on a stack that holds exactly five live jobs and one deleted one.</summary>
[TestFixture]
public sealed class JobListing_Specs : StackFixture
{
    private static readonly string[] Live = ["alpha", "bravo", "charlie", "delta", "echo"];

    [OneTimeSetUp]
    public async Task Start()
    {
        // Created out of order: the listing order must come from the names, not the insertion.
        foreach (var name in new[] { "delta", "foxtrot", "alpha", "echo", "charlie", "bravo" })
            await Client.CreateJobAsync(name, JobRequests.Freestyle());
        Assert.That((await Client.DeleteAsync("/jobs/foxtrot")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task When_paging_with_limit_2_Should_yield_every_live_job_exactly_once_in_name_order()
    {
        var names = new List<string>();
        var pageSizes = new List<int>();
        string? cursor = null;
        do
        {
            var page = await Client.GetJsonAsync(cursor is null ? "/jobs?limit=2" : $"/jobs?limit=2&cursor={Uri.EscapeDataString(cursor)}");
            var items = page.GetProperty("items").EnumerateArray().Select(j => j.Str("name")).ToList();
            names.AddRange(items);
            pageSizes.Add(items.Count);
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
            Assert.That(pageSizes, Has.Count.LessThanOrEqualTo(5), "paging does not end");
        } while (cursor is not null);

        Assert.That(names, Is.EqualTo(Live));
        Assert.That(pageSizes, Is.EqualTo(new[] { 2, 2, 1 }));
    }

    [Test]
    public async Task When_the_limit_covers_every_job_Should_answer_one_page_without_a_cursor()
    {
        var page = await Client.GetJsonAsync("/jobs?limit=5");

        Assert.That(page.GetProperty("items").EnumerateArray().Select(j => j.Str("name")), Is.EqualTo(Live));
        Assert.That(page.TryGetProperty("nextCursor", out var next) && next.ValueKind != System.Text.Json.JsonValueKind.Null, Is.False);
    }

    [TestCase("cursor=not-base64!")]
    [TestCase("cursor=Li4v")] // base64url of "../": decodes, but is no job name
    [TestCase("limit=0")]
    [TestCase("limit=101")]
    public async Task When_the_query_is_invalid_Should_answer_400_problem_naming_the_parameter(string query)
    {
        var problem = await (await Client.GetAsync($"/jobs?{query}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        Assert.That(problem.Errors(), Does.ContainKey(query.Split('=')[0]));
    }
}
