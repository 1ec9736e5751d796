using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Narwhal.Api.Ui;

/// <summary>
/// The UI's stylesheet and script (<c>wwwroot/ui/</c>, embedded in this assembly, so every host of the Api serves them
/// without a web root): <c>/ui/assets/{name}?v={hash}</c>, cached for a year under the hash, revalidated otherwise.
/// </summary>
public static class UiAssets
{
    private sealed record Asset(byte[] Content, string ContentType, string Hash);

    private static readonly FrozenDictionary<string, Asset> All = Load();

    /// <summary>The URL of an asset with its content hash, so a new version is never read from a stale cache.</summary>
    public static string Url(string name) =>
        All.TryGetValue(name, out var asset) ? $"/ui/assets/{name}?v={asset.Hash}" : throw new ArgumentException($"No UI asset '{name}'.", nameof(name));

    public static IEndpointRouteBuilder MapUiAssets(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ui/assets/{name}", Serve).ExcludeFromDescription().AllowAnonymous();
        return app;
    }

    private static IResult Serve(string name, string? v, HttpContext context)
    {
        if (!All.TryGetValue(name, out var asset)) return Results.NotFound();
        var etag = $"\"{asset.Hash}\"";
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = v == asset.Hash ? "public, max-age=31536000, immutable" : "no-cache";
        if (context.Request.Headers.IfNoneMatch.Contains(etag)) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(UiAssets).Assembly;
        var assets = new Dictionary<string, Asset>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("ui/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var name = resource["ui/".Length..];
            var type = Path.GetExtension(name) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            assets[name] = new Asset(content, type, Convert.ToHexStringLower(SHA256.HashData(content))[..16]);
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
