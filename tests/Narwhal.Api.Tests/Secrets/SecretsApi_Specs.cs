using System.Net;
using System.Net.Http.Json;
using System.Text;
using Narwhal.Api.Tests.Support;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Secrets;

/// <summary>Secrets and git credentials: write-only, encrypted at rest, idempotent, admin only.</summary>
[TestFixture]
public sealed class SecretsApi_Specs : StackFixture
{
    private const string Value = "s3cr3t-value-for-tests";

    [OneTimeSetUp]
    public async Task Start()
    {
        await Client.CreateJobAsync("with-secrets", JobRequests.Freestyle("echo hi"));
    }

    private Task<HttpResponseMessage> PutSecretAsync(string key, string value, HttpClient? client = null) =>
        (client ?? Client).PutAsJsonAsync($"/jobs/with-secrets/secrets/{key}", new { value });

    [Test]
    public async Task When_a_secret_is_set_twice_with_the_same_value_Should_answer_created_then_unchanged_and_write_nothing()
    {
        var first = await PutSecretAsync("DEPLOY_KEY", Value);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await first.ReadJsonAsync()).Str("outcome"), Is.EqualTo("created"));
        var stored = await Stack.Database.ScalarAsync<DateTime>("SELECT updated_at FROM job_secrets WHERE name = 'DEPLOY_KEY'");

        var second = await PutSecretAsync("DEPLOY_KEY", Value);
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await second.ReadJsonAsync()).Str("outcome"), Is.EqualTo("unchanged"));
        Assert.That(await Stack.Database.ScalarAsync<DateTime>("SELECT updated_at FROM job_secrets WHERE name = 'DEPLOY_KEY'"), Is.EqualTo(stored));

        var third = await PutSecretAsync("DEPLOY_KEY", Value + "-rotated");
        Assert.That((await third.ReadJsonAsync()).Str("outcome"), Is.EqualTo("updated"));
    }

    [Test]
    public async Task When_secrets_are_listed_Should_show_names_and_times_but_never_values()
    {
        await PutSecretAsync("LISTED_ONE", Value);
        var response = await Client.GetAsync("/jobs/with-secrets/secrets");
        var text = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(text, Does.Contain("LISTED_ONE"));
        Assert.That(text, Does.Not.Contain(Value));
    }

    [Test]
    public async Task When_a_secret_is_stored_Should_be_encrypted_at_rest_with_its_key_id()
    {
        await PutSecretAsync("AT_REST", Value);
        var ciphertext = await Stack.Database.ScalarAsync<byte[]>("SELECT ciphertext FROM job_secrets WHERE name = 'AT_REST'");
        var keyId = await Stack.Database.ScalarAsync<string>("SELECT key_id FROM job_secrets WHERE name = 'AT_REST'");

        Assert.That(keyId, Is.EqualTo("k1"));
        Assert.That(Encoding.UTF8.GetString(ciphertext), Does.Not.Contain(Value));
        Assert.That(ciphertext, Is.Not.EqualTo(Encoding.UTF8.GetBytes(Value)));
    }

    [TestCase("SHORT", "abc12", "value")]
    [TestCase("bad-name", Value, "key")]
    [TestCase("NARWHAL_TOKEN", Value, "key")]
    public async Task When_a_secret_is_invalid_Should_answer_400_naming_the_field_and_store_nothing(string key, string value, string field)
    {
        var response = await PutSecretAsync(key, value);
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Errors().Keys, Does.Contain(field));
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM job_secrets WHERE name = @key", new { key }), Is.EqualTo(0));
    }

    [Test]
    public async Task When_a_trigger_token_sets_a_secret_Should_answer_403()
    {
        var (_, secret) = await Client.CreateTokenAsync($"trigger-{Guid.NewGuid():N}", "trigger");
        using var trigger = Stack.Client(secret);
        var response = await PutSecretAsync("FROM_TRIGGER", Value, trigger);
        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task When_a_secret_is_deleted_Should_be_gone_and_a_second_delete_answer_404()
    {
        await PutSecretAsync("TO_DELETE", Value);
        Assert.That((await Client.DeleteAsync("/jobs/with-secrets/secrets/TO_DELETE")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await (await Client.DeleteAsync("/jobs/with-secrets/secrets/TO_DELETE")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task When_git_credentials_are_set_Should_show_kind_and_user_but_never_the_token()
    {
        var put = await Client.PutAsJsonAsync("/jobs/with-secrets/git-credentials", new { username = "x-access-token", token = "ghp_abcdefghijklmnop" });
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var again = await Client.PutAsJsonAsync("/jobs/with-secrets/git-credentials", new { username = "x-access-token", token = "ghp_abcdefghijklmnop" });
        Assert.That((await again.ReadJsonAsync()).Str("outcome"), Is.EqualTo("unchanged"));

        var text = await Client.GetStringAsync("/jobs/with-secrets/git-credentials");
        Assert.That(text, Does.Contain("\"kind\":\"token\"").And.Contain("x-access-token"));
        Assert.That(text, Does.Not.Contain("ghp_abcdefghijklmnop"));
    }

    [Test]
    public async Task When_git_credentials_give_both_a_token_and_a_key_Should_answer_400()
    {
        var response = await Client.PutAsJsonAsync("/jobs/with-secrets/git-credentials",
            new { token = "ghp_abcdefghijklmnop", sshPrivateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----" });
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }
}
