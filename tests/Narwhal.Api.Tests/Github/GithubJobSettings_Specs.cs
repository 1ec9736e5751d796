using System.Net;
using Narwhal.Api.Dtos;
using Narwhal.Api.Tests.Support;
using Narwhal.Api.Validation;
using Narwhal.Core.Jobs;
using Narwhal.Core.Persistence;
using NUnit.Framework;
using static Narwhal.Api.Tests.Support.JobRequests;

namespace Narwhal.Api.Tests.Github;

/// <summary>The <c>github</c> setting of PUT /jobs: git jobs only, branch patterns checked, one canonical form (defaults are no setting).</summary>
[TestFixture]
public sealed class GithubJobSettingsValidator_Specs
{
    private static readonly string[] Classes = ["small"];

    private static IDictionary<string, string[]> ErrorsOf(JobRequest request) =>
        JobRequestValidator.Validate("job", request, Classes).Errors.ToDictionary();

    private static JobSpec SpecOf(JobRequest request)
    {
        var (spec, errors) = JobRequestValidator.Validate("job", request, Classes);
        Assert.That(spec, Is.Not.Null, string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return spec!;
    }

    [Test]
    public void When_a_freestyle_job_has_github_settings_Should_refuse_them()
    {
        Assert.That(ErrorsOf(Freestyle() with { Github = new GithubSettingsRequest { PushTags = true } }), Does.ContainKey("github"));
    }

    [TestCase("refs/heads/main")]
    [TestCase("")]
    [TestCase("bad..name")]
    [TestCase("with space")]
    [TestCase("-leading-dash")]
    [TestCase("trailing/")]
    public void When_a_push_branch_is_not_a_branch_name_or_pattern_Should_refuse_it(string pattern)
    {
        var errors = ErrorsOf(Git("https://github.com/acme/api.git") with { Github = new GithubSettingsRequest { PushBranches = ["main", pattern] } });

        Assert.That(errors, Does.ContainKey("github.pushBranches[1]"));
        Assert.That(errors, Does.Not.ContainKey("github.pushBranches[0]"));
    }

    [Test]
    public void When_a_push_branch_is_listed_twice_Should_refuse_the_second()
    {
        var errors = ErrorsOf(Git("https://github.com/acme/api.git") with { Github = new GithubSettingsRequest { PushBranches = ["main", "main"] } });

        Assert.That(errors, Does.ContainKey("github.pushBranches[1]"));
    }

    [TestCase("*")]
    [TestCase("release/*")]
    [TestCase("feature/*/ready")]
    [TestCase("main")]
    public void When_a_push_branch_is_a_name_or_a_glob_Should_keep_it(string pattern)
    {
        var spec = SpecOf(Git("https://github.com/acme/api.git") with { Github = new GithubSettingsRequest { PushBranches = [pattern] } });

        Assert.That(spec.Github!.PushBranches, Is.EqualTo(new[] { pattern }));
    }

    [Test]
    public void When_github_holds_only_defaults_Should_store_no_setting()
    {
        Assert.That(SpecOf(Git() with { Github = new GithubSettingsRequest() }).Github, Is.Null);
        Assert.That(SpecOf(Git() with { Github = new GithubSettingsRequest { PushBranches = [], PushTags = false, ForkSecrets = false } }).Github, Is.Null);
    }
}

/// <summary>The github setting through the API: shown on the job, idempotent, unknown properties refused.</summary>
[TestFixture]
public sealed class GithubJobSettingsApi_Specs : StackFixture
{
    [Test]
    public async Task When_a_git_job_is_put_with_github_settings_Should_show_them_and_answer_unchanged_the_second_time()
    {
        var job = Git("https://github.com/acme/api.git") with
        {
            Github = new GithubSettingsRequest { PushBranches = ["main", "release/*"], CancelSuperseded = true },
        };

        await Client.CreateJobAsync("gh-settings", job);
        var again = await (await Client.PutJobAsync("gh-settings", job)).ReadJsonAsync();
        var shown = (await (await Client.GetAsync("/jobs/gh-settings")).ReadJsonAsync()).GetProperty("github");

        Assert.That(again.GetProperty("outcome").GetString(), Is.EqualTo("unchanged"));
        Assert.That(shown.GetProperty("pushBranches").EnumerateArray().Select(b => b.GetString()), Is.EqualTo(new[] { "main", "release/*" }));
        Assert.That(shown.GetProperty("cancelSuperseded").GetBoolean(), Is.True);
        Assert.That(shown.GetProperty("forkSecrets").GetBoolean(), Is.False);
        Assert.That(shown.GetProperty("pushTags").GetBoolean(), Is.False);
    }

    [Test]
    public async Task When_github_is_sent_empty_Should_be_the_same_job_as_without_it()
    {
        await Client.CreateJobAsync("gh-empty", Git("https://github.com/acme/empty.git"));

        var response = await Client.PutJsonTextAsync("/jobs/gh-empty", "{\"type\":\"git\",\"git\":{\"url\":\"https://github.com/acme/empty.git\"},\"github\":{}}");
        var body = await response.ReadJsonAsync();

        Assert.That(body.GetProperty("outcome").GetString(), Is.EqualTo("unchanged"), body.ToString());
        Assert.That(body.GetProperty("job").TryGetProperty("github", out _), Is.False);
    }

    [Test]
    public async Task When_github_settings_change_Should_list_the_changed_field_in_the_plan()
    {
        await Client.CreateJobAsync("gh-plan", Git("https://github.com/acme/plan.git") with { Github = new GithubSettingsRequest { PushBranches = ["main"] } });

        var plan = await (await Client.PutAsync("/jobs/gh-plan?dryRun=true", System.Net.Http.Json.JsonContent.Create(
            Git("https://github.com/acme/plan.git") with { Github = new GithubSettingsRequest { PushBranches = ["main"], PushTags = true } },
            options: Json.Options))).ReadJsonAsync();

        Assert.That(plan.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("field").GetString()), Is.EqualTo(new[] { "github.pushTags" }));
    }

    [Test]
    public async Task When_github_has_an_unknown_property_Should_refuse_the_body()
    {
        var response = await Client.PutJsonTextAsync("/jobs/gh-typo",
            "{\"type\":\"git\",\"git\":{\"url\":\"https://github.com/acme/typo.git\"},\"github\":{\"pushBranch\":[\"main\"]}}");

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Detail(), Does.Contain("pushBranch"));
    }
}
