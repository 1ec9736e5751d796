using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Narwhal.Api;
using Narwhal.Ui.Tests.Support;
using NUnit.Framework;

namespace Narwhal.Ui.Tests.Server;

/// <summary>Signing in and out of the web UI, the session cookie, and what happens to a session whose token goes away.</summary>
[TestFixture]
public sealed class Session_Specs : StackFixture
{
    [Test]
    public async Task When_a_page_is_opened_without_a_session_Should_redirect_to_sign_in_with_the_return_address()
    {
        using var anonymous = UiSession.Anonymous(Stack.ApiUrl);
        var response = await anonymous.GetAsync("/ui/jobs?q=api");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo("/ui/sign-in?returnUrl=%2Fui%2Fjobs%3Fq%3Dapi"));
    }

    [Test]
    public async Task When_a_script_endpoint_is_called_without_a_session_Should_answer_401_not_a_redirect()
    {
        using var client = new HttpClient { BaseAddress = Stack.ApiUrl };
        var response = await client.GetAsync($"/ui/runs/{Guid.NewGuid()}/status.json");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task When_the_root_is_opened_Should_redirect_to_the_ui()
    {
        using var anonymous = UiSession.Anonymous(Stack.ApiUrl);
        var response = await anonymous.GetAsync("/");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo("/ui"));
    }

    [Test]
    public async Task When_signing_in_with_an_unknown_token_Should_stay_on_the_form_saying_so()
    {
        using var anonymous = UiSession.Anonymous(Stack.ApiUrl);
        var response = await anonymous.PostFormAsync("/ui/sign-in", new() { ["Token"] = "nwl_not-a-token" });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("That token is not valid."));
        Assert.That(anonymous.Cookies.GetAllCookies().Any(c => c.Name == "narwhal_ui"), Is.False);
    }

    [Test]
    public async Task When_signing_in_with_a_valid_token_Should_set_an_http_only_lax_cookie_for_the_ui_and_redirect_to_the_dashboard()
    {
        using var anonymous = UiSession.Anonymous(Stack.ApiUrl);
        var response = await anonymous.PostFormAsync("/ui/sign-in", new() { ["Token"] = TestStack.AdminToken });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo("/ui"));
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("narwhal_ui=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.That(cookie, Does.Contain("httponly").And.Contain("samesite=lax").And.Contain("path=/ui"));
        Assert.That(cookie, Does.Not.Contain("secure"), "plain HTTP here: a Secure cookie would never come back");
        Assert.That(cookie, Does.Not.Contain(TestStack.AdminToken), "the cookie never holds the token's secret");
        var dashboard = await anonymous.GetHtmlAsync("/ui");
        Assert.That(dashboard, Does.Contain("bootstrap-admin"));
    }

    [TestCase("https://evil.example/ui")]
    [TestCase("//evil.example/ui")]
    [TestCase("/jobs")]
    public async Task When_the_return_address_is_not_a_ui_page_Should_go_to_the_dashboard(string returnUrl)
    {
        using var anonymous = UiSession.Anonymous(Stack.ApiUrl);
        var response = await anonymous.PostFormAsync("/ui/sign-in", new() { ["Token"] = TestStack.AdminToken, ["ReturnUrl"] = returnUrl });

        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo("/ui"));
    }

    [Test]
    public async Task When_the_return_address_is_a_ui_page_Should_go_back_there()
    {
        using var anonymous = UiSession.Anonymous(Stack.ApiUrl);
        var response = await anonymous.PostFormAsync("/ui/sign-in", new() { ["Token"] = TestStack.AdminToken, ["ReturnUrl"] = "/ui/runners" });

        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo("/ui/runners"));
    }

    [Test]
    public async Task When_a_form_is_posted_without_its_antiforgery_token_Should_refuse_it_with_400()
    {
        using var anonymous = UiSession.Anonymous(Stack.ApiUrl);
        var signIn = await anonymous.PostFormAsync("/ui/sign-in", new() { ["Token"] = TestStack.AdminToken }, withToken: false);
        Assert.That(signIn.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));

        using var session = await UiSession.SignInAsync(Stack.ApiUrl, TestStack.AdminToken);
        var signOut = await session.PostFormAsync("/ui/sign-out", new(), withToken: false);
        Assert.That(signOut.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await session.GetAsync("/ui")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "still signed in");
    }

    [Test]
    public async Task When_a_form_posts_another_sessions_antiforgery_token_Should_refuse_it()
    {
        using var mine = await UiSession.SignInAsync(Stack.ApiUrl, TestStack.AdminToken);
        using var other = await UiSession.SignInAsync(Stack.ApiUrl, TestStack.AdminToken);
        var foreign = await other.AntiforgeryTokenAsync("/ui");

        var response = await mine.PostFormAsync("/ui/sign-out", new() { ["__RequestVerificationToken"] = foreign }, withToken: false);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task When_signed_out_Should_need_to_sign_in_again()
    {
        using var session = await UiSession.SignInAsync(Stack.ApiUrl, TestStack.AdminToken);
        var signOut = await session.PostFormAsync("/ui/sign-out", new(), formPage: "/ui");

        Assert.That(signOut.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(signOut.Headers.Location!.OriginalString, Is.EqualTo("/ui/sign-in"));
        var after = await session.GetAsync("/ui");
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(after.Headers.Location!.OriginalString, Does.StartWith("/ui/sign-in"));
    }

    [Test]
    public async Task When_the_sessions_token_is_revoked_Should_end_the_session_within_seconds()
    {
        var (id, secret) = await Tokens.CreateAsync(Client, "soon-revoked", "read");
        using var session = await UiSession.SignInAsync(Stack.ApiUrl, secret);
        Assert.That((await session.GetAsync("/ui")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        (await Client.DeleteAsync($"/tokens/{id}")).EnsureSuccessStatusCode();

        var answer = await Eventually.UntilAsync(() => session.GetAsync("/ui/jobs"), r => r.StatusCode == HttpStatusCode.Redirect,
            "the revoked token's session to end", TimeSpan.FromSeconds(20));
        Assert.That(answer.Headers.Location!.OriginalString, Does.StartWith("/ui/sign-in"));
    }

    [Test]
    public async Task When_the_sessions_token_expires_Should_end_the_session()
    {
        var (_, secret) = await Tokens.CreateAsync(Client, "short-lived", "read", DateTime.UtcNow.AddSeconds(4));
        using var session = await UiSession.SignInAsync(Stack.ApiUrl, secret);

        var answer = await Eventually.UntilAsync(() => session.GetAsync("/ui"), r => r.StatusCode == HttpStatusCode.Redirect,
            "the expired token's session to end", TimeSpan.FromSeconds(30));
        Assert.That(answer.Headers.Location!.OriginalString, Does.StartWith("/ui/sign-in"));
    }

    [Test]
    public async Task When_the_public_url_is_https_Should_mark_the_cookies_secure_even_behind_a_plain_http_proxy_hop()
    {
        await using var behindProxy = await StartReplicaAsync(new() { ["NARWHAL_PUBLIC_URL"] = "https://ci.example.com" });
        // No cookie jar: it would (rightly) never send a Secure cookie over http; the cookie goes back by hand.
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
        { BaseAddress = new Uri(TestStack.BoundAddress(behindProxy)) };

        var form = await http.GetAsync("/ui/sign-in");
        var csrf = form.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("narwhal_ui_csrf=", StringComparison.Ordinal));
        var token = System.Text.RegularExpressions.Regex.Match(await form.Content.ReadAsStringAsync(),
            "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/ui/sign-in")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            { ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token), ["Token"] = TestStack.AdminToken }),
        };
        post.Headers.Add("Cookie", csrf.Split(';')[0]);
        var response = await http.SendAsync(post);
        await behindProxy.StopAsync();

        Assert.That(csrf.ToLowerInvariant(), Does.Contain("; secure"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("narwhal_ui=", StringComparison.Ordinal)).ToLowerInvariant(),
            Does.Contain("; secure"));
    }

    [Test]
    public async Task When_a_second_api_replica_gets_the_cookie_Should_accept_it_with_the_keys_kept_encrypted_in_postgres()
    {
        using var session = await UiSession.SignInAsync(Stack.ApiUrl, TestStack.AdminToken);
        await using var replica = await StartReplicaAsync([]);
        var replicaUrl = new Uri(TestStack.BoundAddress(replica));

        // Same host, another port: the cookie jar sends the session cookie to the replica too.
        var response = await session.Http.GetAsync(new Uri(replicaUrl, "/ui/jobs"));
        await replica.StopAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var keys = await Stack.Database.ScalarAsync<string>("SELECT string_agg(xml, '') FROM data_protection_keys");
        Assert.That(keys, Does.Contain("narwhalEncryptedKey"));
        Assert.That(keys, Does.Not.Contain("<masterKey"), "the key material is encrypted with NARWHAL_SECRETS_KEYS at rest");
    }

    /// <summary>Another Api process of the same installation (same database, keys, settings), on its own port.</summary>
    private async Task<WebApplication> StartReplicaAsync(Dictionary<string, string?> overrides)
    {
        var settings = Stack.CommonSettings();
        settings["NARWHAL_API_LISTEN"] = "http://127.0.0.1:0";
        foreach (var (key, value) in overrides) settings[key] = value;
        var replica = ApiApplication.Build([], b => b.Configuration.AddInMemoryCollection(settings));
        await replica.StartAsync();
        return replica;
    }
}
