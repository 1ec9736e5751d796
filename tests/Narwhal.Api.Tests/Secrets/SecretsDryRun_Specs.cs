using System.Net;
using System.Net.Http.Json;
using Narwhal.Api.Tests.Support;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Secrets;

/// <summary>
/// PUT of a secret or of git credentials with ?dryRun=true: the outcome the real call would answer (compared with the
/// stored, encrypted value), <c>dryRun: true</c>, nothing written, and never the value in the answer.
/// </summary>
[TestFixture]
public sealed class SecretsDryRun_Specs : StackFixture
{
    private const string Value = "dry-run-secret-value";
    private const string Token = "ghp_dryrun0123456789";

    [OneTimeSetUp]
    public async Task Start()
    {
        await Client.CreateJobAsync("planned-secrets", JobRequests.Freestyle("echo hi"));
    }

    private Task<HttpResponseMessage> PutSecretAsync(string key, string value, bool dryRun = false) =>
        Client.PutAsJsonAsync($"/jobs/planned-secrets/secrets/{key}{(dryRun ? "?dryRun=true" : "")}", new { value });

    private Task<HttpResponseMessage> PutGitCredentialsAsync(string job, object body, bool dryRun = false) =>
        Client.PutAsJsonAsync($"/jobs/{job}/git-credentials{(dryRun ? "?dryRun=true" : "")}", body);

    private Task<long> SecretCountAsync(string key) =>
        Stack.Database.ScalarAsync<long>("SELECT count(*) FROM job_secrets WHERE name = @key", new { key });

    private Task<DateTime> SecretUpdatedAtAsync(string key) =>
        Stack.Database.ScalarAsync<DateTime>("SELECT updated_at FROM job_secrets WHERE name = @key", new { key });

    /// <summary>Checks the status, <c>dryRun: true</c> and that the answer holds no secret; answers the outcome.</summary>
    private static async Task<string> PlannedOutcomeAsync(HttpResponseMessage response, HttpStatusCode status, string secret)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        Assert.That(text, Does.Not.Contain(secret));
        var body = await response.ReadJsonAsync();
        Assert.That(body.GetProperty("dryRun").GetBoolean(), Is.True, text);
        return body.Str("outcome");
    }

    [Test]
    public async Task When_a_new_secret_is_put_as_a_dry_run_Should_answer_201_created_and_store_nothing()
    {
        var response = await PutSecretAsync("PLANNED_NEW", Value, dryRun: true);

        Assert.That(await PlannedOutcomeAsync(response, HttpStatusCode.Created, Value), Is.EqualTo("created"));
        Assert.That(response.Headers.Location, Is.Null);
        Assert.That((await response.ReadJsonAsync()).Str("name"), Is.EqualTo("PLANNED_NEW"));
        Assert.That(await SecretCountAsync("PLANNED_NEW"), Is.Zero);
    }

    [Test]
    public async Task When_an_existing_secret_is_put_as_a_dry_run_Should_answer_unchanged_or_updated_and_keep_the_stored_value()
    {
        Assert.That((await PutSecretAsync("PLANNED_KEPT", Value)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var updatedAt = await SecretUpdatedAtAsync("PLANNED_KEPT");

        Assert.That(await PlannedOutcomeAsync(await PutSecretAsync("PLANNED_KEPT", Value, dryRun: true), HttpStatusCode.OK, Value),
            Is.EqualTo("unchanged"));
        Assert.That(await PlannedOutcomeAsync(await PutSecretAsync("PLANNED_KEPT", Value + "-rotated", dryRun: true), HttpStatusCode.OK, Value),
            Is.EqualTo("updated"));

        Assert.That(await SecretUpdatedAtAsync("PLANNED_KEPT"), Is.EqualTo(updatedAt));
        var real = await (await PutSecretAsync("PLANNED_KEPT", Value)).ReadJsonAsync();
        Assert.That(real.Str("outcome"), Is.EqualTo("unchanged"), "the dry run did not store the rotated value");
        Assert.That(real.GetProperty("dryRun").GetBoolean(), Is.False);
    }

    [Test]
    public async Task When_a_dry_run_secret_is_invalid_Should_answer_400_naming_the_field_and_store_nothing()
    {
        var problem = await (await PutSecretAsync("PLANNED_SHORT", "abc12", dryRun: true)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        Assert.That(problem.Errors().Keys, Does.Contain("value"));
        Assert.That(await SecretCountAsync("PLANNED_SHORT"), Is.Zero);
    }

    [Test]
    public async Task When_the_job_does_not_exist_Should_answer_404_to_a_dry_run_too()
    {
        var response = await Client.PutAsJsonAsync("/jobs/no-such-job/secrets/ANY_KEY?dryRun=true", new { value = Value });

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task When_git_credentials_are_put_as_a_dry_run_Should_answer_what_the_real_put_would_and_write_nothing()
    {
        await Client.CreateJobAsync("planned-git", JobRequests.Git());
        var credentials = new { username = "x-access-token", token = Token };

        var created = await PutGitCredentialsAsync("planned-git", credentials, dryRun: true);
        Assert.That(await PlannedOutcomeAsync(created, HttpStatusCode.Created, Token), Is.EqualTo("created"));
        Assert.That((await created.ReadJsonAsync()).GetProperty("credentials").Str("kind"), Is.EqualTo("token"));
        await (await Client.GetAsync("/jobs/planned-git/git-credentials")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        Assert.That((await PutGitCredentialsAsync("planned-git", credentials)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var updatedAt = (await Client.GetJsonAsync("/jobs/planned-git/git-credentials")).GetProperty("updatedAt").GetDateTime();

        Assert.That(await PlannedOutcomeAsync(await PutGitCredentialsAsync("planned-git", credentials, dryRun: true), HttpStatusCode.OK, Token),
            Is.EqualTo("unchanged"));
        Assert.That(await PlannedOutcomeAsync(
                await PutGitCredentialsAsync("planned-git", new { username = "x-access-token", token = Token + "-rotated" }, dryRun: true), HttpStatusCode.OK, Token),
            Is.EqualTo("updated"));
        Assert.That(await PlannedOutcomeAsync(
                await PutGitCredentialsAsync("planned-git", new { username = "deploy-bot", token = Token }, dryRun: true), HttpStatusCode.OK, Token),
            Is.EqualTo("updated"), "another user is a change too");

        var stored = await Client.GetJsonAsync("/jobs/planned-git/git-credentials");
        Assert.That(stored.GetProperty("updatedAt").GetDateTime(), Is.EqualTo(updatedAt));
        Assert.That(stored.Str("username"), Is.EqualTo("x-access-token"));
        Assert.That((await (await PutGitCredentialsAsync("planned-git", credentials)).ReadJsonAsync()).Str("outcome"), Is.EqualTo("unchanged"));
    }
}
