using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>One operation as the document states it: responses by status key ("200", "4XX", "default") with their media types.</summary>
internal sealed record DocumentedOperation(string Method, string Template, string? Scope, IReadOnlyDictionary<string, IReadOnlyList<string>> Responses)
{
    public string Key => $"{Method} {Template}";

    public bool HasJsonBody { get; init; }
}

/// <summary>
/// The OpenAPI document read as a contract, and the check of recorded exchanges against it:
/// each request names exactly one documented operation, its status is documented there, and
/// its content type is one documented for that status. Every finding is returned, not just the first.
/// </summary>
internal sealed class OpenApiContract
{
    private readonly IReadOnlySet<string> _catchAllTemplates;

    private OpenApiContract(IReadOnlyList<DocumentedOperation> operations, IReadOnlySet<string> catchAllTemplates)
    {
        Operations = operations;
        _catchAllTemplates = catchAllTemplates;
    }

    public IReadOnlyList<DocumentedOperation> Operations { get; }

    /// <param name="catchAllTemplates">
    /// Templates whose last parameter spans several segments ({**path}); OpenAPI cannot say so, routing can
    /// (<see cref="CatchAllTemplates"/>).
    /// </param>
    public static OpenApiContract Parse(JsonElement document, IReadOnlySet<string> catchAllTemplates)
    {
        var operations = new List<DocumentedOperation>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is not ("parameters" or "summary" or "description" or "servers")))
            {
                var responses = operation.Value.GetProperty("responses").EnumerateObject().ToDictionary(
                    r => r.Name,
                    r => (IReadOnlyList<string>)(r.Value.TryGetProperty("content", out var content) ? content.EnumerateObject().Select(c => c.Name).ToList() : []));
                var scope = operation.Value.TryGetProperty("x-narwhal-scope", out var s) ? s.GetString() : null;
                var hasJsonBody = operation.Value.TryGetProperty("requestBody", out var body)
                                  && body.GetProperty("content").TryGetProperty("application/json", out _);
                operations.Add(new DocumentedOperation(operation.Name.ToUpperInvariant(), path.Name, scope, responses) { HasJsonBody = hasJsonBody });
            }
        return new OpenApiContract(operations, catchAllTemplates);
    }

    /// <summary>The routes with a catch-all parameter, spelled as the document spells paths ("/runs/{id}/results/artifacts/{path}").</summary>
    public static IReadOnlySet<string> CatchAllTemplates(EndpointDataSource endpoints) =>
        endpoints.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.Parameters.Any(p => p.IsCatchAll))
            .Select(e => "/" + string.Join("/", e.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
            {
                RoutePatternLiteralPart literal => literal.Content,
                RoutePatternParameterPart parameter => $"{{{parameter.Name}}}",
                _ => "",
            })))))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The documented operations a request names: by template (single-segment parameters first, then catch-alls) and method.</summary>
    public IReadOnlyList<DocumentedOperation> Match(string method, string path)
    {
        var exact = Operations.Where(o => Matches(o.Template, path, catchAll: false)).ToList();
        var byPath = exact.Count > 0 ? exact : Operations.Where(o => _catchAllTemplates.Contains(o.Template) && Matches(o.Template, path, catchAll: true)).ToList();
        return byPath.Where(o => o.Method == method).ToList();
    }

    /// <summary>Every way <paramref name="exchange"/> departs from the document (empty when it conforms).</summary>
    public IReadOnlyList<string> Check(RecordedExchange exchange)
    {
        var matches = Match(exchange.Method, exchange.Path);
        if (matches.Count != 1)
            return [matches.Count == 0
                ? $"{exchange}: no documented operation matches {exchange.Method} {exchange.Path}"
                : $"{exchange}: {matches.Count} documented operations match ({string.Join(", ", matches.Select(m => m.Key))})"];

        var operation = matches[0];
        var statusKey = StatusKey(operation, exchange.Status);
        if (statusKey is null)
            return [$"{exchange}: status {exchange.Status} is not documented for {operation.Key} (documented: {string.Join(", ", operation.Responses.Keys)})"];

        var documented = operation.Responses[statusKey];
        if (documented.Count == 0)
            return exchange.ContentType is null ? [] : [$"{exchange}: {operation.Key} documents {statusKey} without a body, but {exchange.ContentType} came back"];
        if (exchange.ContentType is null)
            return [$"{exchange}: {operation.Key} documents {statusKey} as {string.Join(" or ", documented)}, but no content type came back"];
        return documented.Any(m => MediaTypeCovers(m, exchange.ContentType))
            ? []
            : [$"{exchange}: {operation.Key} documents {statusKey} as {string.Join(" or ", documented)}, not {exchange.ContentType}"];
    }

    /// <summary>The response key that covers <paramref name="status"/>: the exact code, its range ("4XX"), or "default".</summary>
    private static string? StatusKey(DocumentedOperation operation, int status)
    {
        var exact = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses.ContainsKey(exact)) return exact;
        var range = $"{status / 100}XX";
        if (operation.Responses.ContainsKey(range)) return range;
        return operation.Responses.ContainsKey("default") ? "default" : null;
    }

    private static bool MediaTypeCovers(string documented, string returned)
    {
        if (documented == "*/*" || string.Equals(documented, returned, StringComparison.OrdinalIgnoreCase)) return true;
        return documented.EndsWith("/*", StringComparison.Ordinal)
               && returned.StartsWith(documented[..^1], StringComparison.OrdinalIgnoreCase);
    }

    private static bool Matches(string template, string path, bool catchAll)
    {
        var expected = template.Trim('/').Split('/');
        var actual = path.Trim('/').Split('/');
        if (catchAll ? actual.Length < expected.Length : actual.Length != expected.Length) return false;
        for (var i = 0; i < expected.Length; i++)
        {
            var isParameter = expected[i].StartsWith('{') && expected[i].EndsWith('}');
            if (isParameter ? actual[i].Length == 0 : !string.Equals(expected[i], actual[i], StringComparison.Ordinal)) return false;
        }
        return true;
    }
}
