using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Narwhal.Api.Dtos;
using Narwhal.Api.Tests.Support;
using Narwhal.Core.Persistence;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Auth;

/// <summary>
/// Bearer tokens against a real Api and Postgres: who is refused (401) and why, what each scope
/// may do (403 names the missing scope), and that a secret is shown once and never stored.
/// </summary>
[TestFixture]
public sealed class TokenAuth_Specs : StackFixture
{
    [Test]
    public async Task When_no_authorization_header_is_sent_Should_answer_401_problem_naming_the_header()
    {
        using var anonymous = Stack.Client(token: null);

        var problem = await (await anonymous.GetAsync("/jobs")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        Assert.That(problem.Detail(), Does.Contain("Authorization header"));
    }

    [Test]
    public async Task When_the_scheme_is_not_bearer_Should_answer_401_problem_naming_the_scheme()
    {
        using var client = Stack.Client(token: null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("admin:admin"u8.ToArray()));

        var problem = await (await client.GetAsync("/jobs")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        Assert.That(problem.Detail(), Does.Contain("Bearer"));
    }

    [Test]
    public async Task When_the_token_is_unknown_Should_answer_401_problem()
    {
        using var client = Stack.Client("nwl_this-token-was-never-issued-0000000000");

        var problem = await (await client.GetAsync("/jobs")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        Assert.That(problem.Detail(), Does.Contain("not valid"));
    }

    [Test]
    public async Task When_the_token_has_expired_Should_answer_401_problem_saying_it_expired()
    {
        var (id, secret) = await Client.CreateTokenAsync("soon-expired", "read");
        using var client = Stack.Client(secret);
        Assert.That((await client.GetAsync("/jobs")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "usable before it expires");

        await Stack.Database.ExecuteAsync("UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE id = @id", new { id });

        var problem = await (await client.GetAsync("/jobs")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        Assert.That(problem.Detail(), Does.Contain("'soon-expired'").And.Contain("expired"));
    }

    [Test]
    public async Task When_the_token_is_revoked_Should_answer_401_problem_saying_it_was_revoked()
    {
        var (id, secret) = await Client.CreateTokenAsync("to-revoke", "read");
        using var client = Stack.Client(secret);
        Assert.That((await client.GetAsync("/jobs")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "usable before revocation");

        var revoke = await Client.DeleteAsync($"/tokens/{id}");
        Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var problem = await (await client.GetAsync("/jobs")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        Assert.That(problem.Detail(), Does.Contain("'to-revoke'").And.Contain("revoked"));
    }

    [Test]
    public async Task When_a_token_is_revoked_twice_Should_answer_404_problem_the_second_time()
    {
        var (id, _) = await Client.CreateTokenAsync("revoke-twice", "read");
        Assert.That((await Client.DeleteAsync($"/tokens/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        await (await Client.DeleteAsync($"/tokens/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task When_a_read_token_triggers_a_run_Should_answer_403_problem_naming_the_trigger_scope()
    {
        var (_, secret) = await Client.CreateTokenAsync("reader", "read");
        using var reader = Stack.Client(secret);

        Assert.That((await reader.GetAsync("/jobs")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "read may list jobs");
        var problem = await (await reader.PostRunAsync("x")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        Assert.That(problem.Detail(), Does.Contain("'trigger'"));
    }

    [Test]
    public async Task When_a_trigger_token_puts_a_job_Should_answer_403_problem_naming_the_admin_scope_and_create_nothing()
    {
        var (_, secret) = await Client.CreateTokenAsync("triggerer", "trigger");
        using var triggerer = Stack.Client(secret);

        Assert.That((await triggerer.GetAsync("/jobs")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "trigger includes read");
        var problem = await (await triggerer.PutJobAsync("forbidden-job", JobRequests.Freestyle())).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        Assert.That(problem.Detail(), Does.Contain("'admin'"));
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE name = 'forbidden-job'"), Is.Zero);
    }

    [Test]
    public async Task When_a_token_is_created_Should_show_the_secret_once_and_never_list_it()
    {
        var response = await Client.PostAsJsonAsync("/tokens", new TokenRequest { Name = "shown-once", Scopes = ["trigger"] }, Json.Options);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var created = await response.ReadJsonAsync();
        var secret = created.Str("secret");
        var id = created.GetProperty("token").Str("id");
        Assert.That(secret, Does.StartWith("nwl_").And.Length.GreaterThan(40));
        Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/tokens/{id}"));

        var listing = await Client.GetStringAsync("/tokens");

        Assert.That(listing, Does.Contain(id), "the token is listed");
        Assert.That(listing, Does.Not.Contain(secret));
        Assert.That(listing, Does.Not.Contain("secret"));
    }

    [Test]
    public async Task When_a_token_is_stored_Should_keep_a_32_byte_hash_and_not_the_secret()
    {
        var (id, secret) = await Client.CreateTokenAsync("hashed", "read");

        var stored = await Stack.Database.ScalarAsync<byte[]>("SELECT token_hash FROM api_tokens WHERE id = @id", new { id });

        Assert.That(stored, Has.Length.EqualTo(32));
        Assert.That(stored, Is.Not.EqualTo(Encoding.UTF8.GetBytes(secret)));
    }

    [Test]
    public async Task When_a_token_is_used_Should_record_lastUsedAt()
    {
        var (id, secret) = await Client.CreateTokenAsync("used-once", "read");
        var before = Listed(await Client.GetJsonAsync("/tokens"), id);
        Assert.That(before.TryGetProperty("lastUsedAt", out _), Is.False, "never used yet");

        using var client = Stack.Client(secret);
        Assert.That((await client.GetAsync("/jobs")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var after = Listed(await Client.GetJsonAsync("/tokens"), id);
        Assert.That(after.TryGetProperty("lastUsedAt", out var lastUsed), Is.True, after.ToString());
        Assert.That(lastUsed.GetDateTime(), Is.EqualTo(DateTime.UtcNow).Within(TimeSpan.FromMinutes(1)));
    }

    private static System.Text.Json.JsonElement Listed(System.Text.Json.JsonElement tokens, Guid id) =>
        tokens.EnumerateArray().Single(t => t.GetProperty("id").GetGuid() == id);

    [Test]
    public async Task When_an_active_token_has_the_name_Should_answer_409_problem()
    {
        await Client.CreateTokenAsync("taken-name", "read");

        var response = await Client.PostAsJsonAsync("/tokens", new TokenRequest { Name = "taken-name", Scopes = ["admin"] }, Json.Options);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict);
        Assert.That(problem.Detail(), Does.Contain("'taken-name'"));
    }

    [Test]
    public async Task When_a_revoked_token_had_the_name_Should_allow_it_again()
    {
        var (id, _) = await Client.CreateTokenAsync("reused-name", "read");
        Assert.That((await Client.DeleteAsync($"/tokens/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var (again, _) = await Client.CreateTokenAsync("reused-name", "read");

        Assert.That(again, Is.Not.EqualTo(id));
    }

    [Test]
    public async Task When_a_token_request_has_an_unknown_scope_Should_answer_400_problem_naming_it()
    {
        var response = await Client.PostAsJsonAsync("/tokens", new TokenRequest { Name = "odd", Scopes = ["root"] }, Json.Options);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Errors()["scopes"].Single(), Does.Contain("'root'"));
    }
}
