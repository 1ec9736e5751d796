using Microsoft.Net.Http.Headers;
using Narwhal.Core.Storage;

namespace Narwhal.Api.Downloads;

/// <summary>
/// Serves an object from storage the way HTTP clients expect: a single byte range (206 / 416),
/// ETag with If-None-Match (304), and caching by the run's state — finished runs' results never
/// change, so they are cacheable for long; anything of a running run is no-store.
/// </summary>
public sealed class StoredObjectResult(IObjectStore store, string key, string contentType, bool immutable, string missingDetail) : IResult
{
    public async Task ExecuteAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var response = context.Response;
        var info = await store.StatAsync(key, ct);
        if (info is null)
        {
            await TypedResults.Problem(missingDetail, statusCode: StatusCodes.Status404NotFound, title: "Not found").ExecuteAsync(context);
            return;
        }

        response.Headers.CacheControl = immutable ? "private, max-age=31536000, immutable" : "no-store";
        response.Headers.AcceptRanges = "bytes";
        var etag = info.ETag is { } tag ? new EntityTagHeaderValue($"\"{tag}\"") : null;
        if (etag is not null)
        {
            response.Headers.ETag = etag.ToString();
            var ifNoneMatch = context.Request.GetTypedHeaders().IfNoneMatch;
            if (ifNoneMatch.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(etag, useStrongComparison: false)))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }
        }

        var (outcome, range) = HttpRange.Resolve(context.Request.Headers.Range, info.Size);
        if (outcome == HttpRange.Outcome.Unsatisfiable)
        {
            response.Headers.ContentRange = $"bytes */{info.Size}";
            await TypedResults.Problem($"The range is outside the {info.Size} bytes available.",
                statusCode: StatusCodes.Status416RangeNotSatisfiable, title: "Range not satisfiable").ExecuteAsync(context);
            return;
        }

        await using var stored = await store.GetAsync(key, outcome == HttpRange.Outcome.Partial ? range : null, ct);
        if (stored is null)
        {
            await TypedResults.Problem(missingDetail, statusCode: StatusCodes.Status404NotFound, title: "Not found").ExecuteAsync(context);
            return;
        }
        response.ContentType = contentType;
        response.ContentLength = stored.Length;
        if (outcome == HttpRange.Outcome.Partial)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {range.From}-{range.From + stored.Length - 1}/{stored.TotalLength}";
        }
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await stored.Content.CopyToAsync(response.Body, ct);
    }
}
