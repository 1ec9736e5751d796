using System.Net;
using System.Text.RegularExpressions;

namespace Narwhal.Ui.Tests.Support;

/// <summary>
/// A browser's view of the UI without a browser: an HttpClient with its own cookie jar that does not follow
/// redirects (tests look at them), sends <c>Accept: text/html</c> like a navigation, and posts forms with the
/// antiforgery token their page rendered.
/// </summary>
public sealed partial class UiSession : IDisposable
{
    private UiSession(Uri api)
    {
        Cookies = new CookieContainer();
        Http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = api };
        Http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
    }

    public CookieContainer Cookies { get; }
    public HttpClient Http { get; }

    public static UiSession Anonymous(Uri api) => new(api);

    /// <summary>Signs in through the form; fails the test when the form does not answer with the redirect to the UI.</summary>
    public static async Task<UiSession> SignInAsync(Uri api, string token)
    {
        var session = new UiSession(api);
        var response = await session.PostFormAsync("/ui/sign-in", new() { ["Token"] = token });
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"Sign-in answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return session;
    }

    public Task<HttpResponseMessage> GetAsync(string path) => Http.GetAsync(path);

    public async Task<string> GetHtmlAsync(string path)
    {
        var response = await Http.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {html}");
        return html;
    }

    /// <summary>
    /// Posts <paramref name="fields"/> to <paramref name="action"/> with the antiforgery token of <paramref name="formPage"/>
    /// (default: the action's own page), or with none when <paramref name="withToken"/> is false.
    /// </summary>
    public async Task<HttpResponseMessage> PostFormAsync(string action, Dictionary<string, string> fields, bool withToken = true, string? formPage = null)
    {
        var form = new Dictionary<string, string>(fields);
        if (withToken) form["__RequestVerificationToken"] = await AntiforgeryTokenAsync(formPage ?? action.Split('?')[0]);
        return await Http.PostAsync(action, new FormUrlEncodedContent(form));
    }

    public async Task<string> AntiforgeryTokenAsync(string page)
    {
        var html = await (await Http.GetAsync(page)).Content.ReadAsStringAsync();
        var match = TokenInput().Match(html);
        if (!match.Success) throw new InvalidOperationException($"{page} rendered no antiforgery token:\n{html}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenInput();

    public void Dispose() => Http.Dispose();
}
