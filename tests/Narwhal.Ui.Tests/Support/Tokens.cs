using System.Net.Http.Json;
using System.Text.Json;
using Narwhal.Core.Persistence;

namespace Narwhal.Ui.Tests.Support;

/// <summary>Tokens made through the REST API, as an admin would.</summary>
public static class Tokens
{
    public static async Task<(string Id, string Secret)> CreateAsync(HttpClient admin, string name, string scope, DateTime? expiresAt = null)
    {
        var response = await admin.PostAsJsonAsync("/tokens", new { name, scopes = new[] { scope }, expiresAt }, Json.Options);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST /tokens answered {(int)response.StatusCode}: {body}");
        return (body.GetProperty("token").Str("id"), body.Str("secret"));
    }
}
