using Narwhal.Api.Downloads;
using Narwhal.Core.Logs;

namespace Narwhal.Api.Logs;

/// <summary>
/// The console log of a run that is still running: what has arrived so far, as text/plain
/// (no-store), with a single byte range when asked (206; 416 past what has arrived).
/// </summary>
public sealed class LiveConsoleText(Guid runId, LogChunkStore chunks) : IResult
{
    public async Task ExecuteAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        response.Headers.AcceptRanges = "bytes";
        var size = await chunks.SizeAsync(runId, ct);
        var (outcome, range) = HttpRange.Resolve(context.Request.Headers.Range, size);
        if (outcome == HttpRange.Outcome.Unsatisfiable)
        {
            response.Headers.ContentRange = $"bytes */{size}";
            await TypedResults.Problem($"The range is outside the {size} bytes that have arrived so far.",
                statusCode: StatusCodes.Status416RangeNotSatisfiable, title: "Range not satisfiable").ExecuteAsync(context);
            return;
        }

        var from = outcome == HttpRange.Outcome.Partial ? range.From : 0;
        var to = outcome == HttpRange.Outcome.Partial ? range.To!.Value : size - 1;
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = to - from + 1;
        if (outcome == HttpRange.Outcome.Partial)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {from}-{to}/{size}";
        }
        var offset = from;
        while (offset <= to)
        {
            var pieces = await chunks.ReadAsync(runId, offset, 1024 * 1024, ct);
            if (pieces.Count == 0) break;
            foreach (var chunk in pieces)
            {
                if (chunk.Offset > offset) return; // a gap the Runner could not ship live
                var take = (int)Math.Min(chunk.Data.Length, to - offset + 1);
                await response.Body.WriteAsync(chunk.Data.AsMemory(0, take), ct);
                offset += take;
                if (offset > to) return;
            }
        }
    }
}
