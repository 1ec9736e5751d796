using System.Net;
using System.Text;
using Narwhal.Api.Github.Webhooks;
using Narwhal.Api.Tests.Support;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Github;

/// <summary>
/// What the endpoint refuses or counts once: unsigned or wrongly signed deliveries (nothing recorded), oversized,
/// malformed and non-JSON bodies, redeliveries of one id (also at the same moment), and the admin list of deliveries.
/// </summary>
[TestFixture]
public sealed class DeliveryGuards_Specs : GithubStackFixture
{
    private async Task<(string Repository, byte[] Body)> RepositoryWithJobAsync(string job)
    {
        var repository = UniqueRepository(job);
        await CreateGitJobAsync(job, $"https://github.com/{repository}.git");
        return (repository, GithubFixtures.Rehomed(GithubFixtures.PullRequestOpened, repository));
    }

    [TestCase("missing", null)]
    [TestCase("malformed", "sha256=not-hex")]
    [TestCase("wrong", "sha256=0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task When_the_signature_is_missing_malformed_or_wrong_Should_answer_401_and_record_nothing(string job, string? header)
    {
        var (_, body) = await RepositoryWithJobAsync($"sig-{job}");
        var deliveryId = Guid.NewGuid().ToString();

        var response = await Hooks.SendAsync("pull_request", body, deliveryId, _ => header);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        Assert.That(problem.Detail(), Does.Contain(WebhookSignature.Header));
        Assert.That(await DeliveriesRecordedAsync(deliveryId), Is.Zero);
        Assert.That(await RunsOfAsync($"sig-{job}"), Is.Empty);
    }

    [Test]
    public async Task When_signed_with_another_secret_Should_answer_401()
    {
        var (_, body) = await RepositoryWithJobAsync("sig-other-secret");

        var response = await Hooks.SendAsync("pull_request", body, signature: b => WebhookSignature.Sign("some-other-secret-0123456789", b));

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        Assert.That(await RunsOfAsync("sig-other-secret"), Is.Empty);
    }

    [Test]
    public async Task When_GitHubs_test_vector_is_sent_Should_accept_its_signature_with_the_second_configured_secret()
    {
        var (_, payload, header) = GithubFixtures.TestVector();

        var response = await Hooks.SendAsync("ping", Encoding.UTF8.GetBytes(payload), signature: _ => header);

        // Past the signature; "Hello, World!" is no JSON payload, so it is refused as such, not as unsigned.
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Detail(), Does.Contain("Malformed JSON"));
    }

    [Test]
    public async Task When_the_same_delivery_arrives_twice_Should_trigger_once_and_answer_the_original()
    {
        var (_, body) = await RepositoryWithJobAsync("twice");
        var deliveryId = Guid.NewGuid().ToString();

        var first = await DeliveryAsync(await Hooks.SendAsync("pull_request", body, deliveryId));
        var second = await DeliveryAsync(await Hooks.SendAsync("pull_request", body, deliveryId));

        Assert.That(second.Duplicate, Is.True);
        Assert.That(second.Outcome, Is.EqualTo(DeliveryOutcome.Triggered));
        Assert.That(second.RunIds, Is.EqualTo(first.RunIds));
        Assert.That(await RunsOfAsync("twice"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task When_the_same_delivery_arrives_several_times_at_once_Should_trigger_once()
    {
        var (_, body) = await RepositoryWithJobAsync("at-once");
        var deliveryId = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ => await DeliveryAsync(await Hooks.SendAsync("pull_request", body, deliveryId))));

        Assert.That(answers.Count(a => a.Duplicate == false), Is.EqualTo(1));
        Assert.That(answers.Select(a => a.RunIds.Single()).Distinct().Count(), Is.EqualTo(1));
        Assert.That(await RunsOfAsync("at-once"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task When_a_signed_body_is_malformed_JSON_Should_answer_400_record_it_rejected_and_take_a_good_redelivery()
    {
        var (_, body) = await RepositoryWithJobAsync("malformed");
        var deliveryId = Guid.NewGuid().ToString();

        var response = await Hooks.SendAsync("pull_request", body[..(body.Length / 2)], deliveryId);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Detail(), Does.Contain("Malformed JSON"));
        Assert.That(await Stack.Database.ScalarAsync<string>("SELECT outcome FROM github_deliveries WHERE id = @deliveryId", new { deliveryId }),
            Is.EqualTo("rejected"));
        var redelivered = await DeliveryAsync(await Hooks.SendAsync("pull_request", body, deliveryId));
        Assert.That((redelivered.Outcome, redelivered.Duplicate), Is.EqualTo((DeliveryOutcome.Triggered, (bool?)false)));
    }

    [Test]
    public async Task When_the_body_is_not_sent_as_JSON_Should_answer_415_naming_the_webhook_setting()
    {
        var (_, body) = await RepositoryWithJobAsync("form");

        var response = await Hooks.SendAsync("pull_request", body, contentType: "application/x-www-form-urlencoded");

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.That(problem.Detail(), Does.Contain("application/json"));
        Assert.That(await RunsOfAsync("form"), Is.Empty);
    }

    [Test]
    public async Task When_the_delivery_id_is_missing_Should_answer_400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent("{}"u8.ToArray()) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-GitHub-Event", "ping");
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(Secret, "{}"u8));
        using var anonymous = Stack.Client(token: null);

        var problem = await (await anonymous.SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        Assert.That(problem.Detail(), Does.Contain("X-GitHub-Delivery"));
    }

    [Test]
    public async Task When_the_body_is_over_25_MB_Should_answer_413_and_record_nothing()
    {
        var deliveryId = Guid.NewGuid().ToString();
        var body = new byte[25 * 1024 * 1024 + 1];
        Array.Fill(body, (byte)' ');

        var response = await Hooks.SendAsync("push", body, deliveryId, expectContinue: true);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.That(problem.Detail(), Does.Contain("25 MB"));
        Assert.That(await DeliveriesRecordedAsync(deliveryId), Is.Zero);
    }

    [Test]
    public async Task When_a_field_Narwhal_stores_holds_a_NUL_Should_answer_400_naming_it_and_record_the_delivery_as_rejected()
    {
        var (_, body) = await RepositoryWithJobAsync("nul-sender");
        var deliveryId = Guid.NewGuid().ToString();

        var response = await Hooks.SendAsync("pull_request", GithubFixtures.Edited(body, p => p["sender"]!["login"] = "oct\u0000cat"), deliveryId);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Detail(), Does.Contain("sender.login").And.Contain("U+0000"));
        Assert.That(await DeliveriesRecordedAsync(deliveryId), Is.EqualTo(1));
        Assert.That(await RunsOfAsync("nul-sender"), Is.Empty);
    }

    [Test]
    public async Task When_deliveries_are_listed_Should_show_them_newest_first_with_outcomes_to_admins_only()
    {
        var (_, body) = await RepositoryWithJobAsync("listed");
        var triggered = await DeliveryAsync(await Hooks.SendAsync("pull_request", body));
        var ignored = await DeliveryAsync(await Hooks.SendAsync("ping", GithubFixtures.Bytes(GithubFixtures.Ping)));

        var page = await Client.GetAsync("/hooks/github/deliveries?limit=2");
        var json = await page.ReadJsonAsync();

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK), json.ToString());
        var items = json.GetProperty("items").EnumerateArray().ToList();
        Assert.That(items.Select(i => i.GetProperty("id").GetString()), Is.EqualTo(new[] { ignored.Id, triggered.Id }));
        Assert.That(items.Select(i => i.GetProperty("outcome").GetString()), Is.EqualTo(new[] { "ignored", "triggered" }));
        Assert.That(items[1].GetProperty("runIds").EnumerateArray().Select(r => r.GetGuid()), Is.EqualTo(triggered.RunIds));
        Assert.That(items[0].TryGetProperty("duplicate", out _), Is.False, "duplicate is only part of the POST answer");

        var first = await (await Client.GetAsync("/hooks/github/deliveries?limit=1")).ReadJsonAsync();
        var second = await (await Client.GetAsync($"/hooks/github/deliveries?limit=1&cursor={first.GetProperty("nextCursor").GetString()}")).ReadJsonAsync();
        Assert.That(second.GetProperty("items")[0].GetProperty("id").GetString(), Is.EqualTo(triggered.Id), "the page after the newest");

        var (_, readSecret) = await Client.CreateTokenAsync("deliveries-reader", "read");
        using var reader = Stack.Client(readSecret);
        await (await reader.GetAsync("/hooks/github/deliveries")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await Client.GetAsync("/hooks/github/deliveries?cursor=tampered")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }
}

/// <summary>An Api without NARWHAL_GITHUB_WEBHOOK_SECRET cannot verify deliveries: it refuses them all, saying how to configure it.</summary>
[TestFixture]
public sealed class UnconfiguredWebhook_Specs
{
    [Test]
    public async Task When_no_webhook_secret_is_configured_Should_answer_503_naming_the_setting()
    {
        await using var stack = await Narwhal.Testing.TestStack.CreateAsync();
        using var anonymous = stack.Client(token: null);

        var response = await new WebhookSender(anonymous, "whatever-secret-0123456789").SendAsync("ping", GithubFixtures.Bytes(GithubFixtures.Ping));

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.That(problem.Detail(), Does.Contain("NARWHAL_GITHUB_WEBHOOK_SECRET"));
    }
}
