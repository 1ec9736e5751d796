using Narwhal.Core.Logs;

namespace Narwhal.Api.Logs;

/// <summary>The console log of a run that is still running: what has arrived so far, as text/plain (no-store).</summary>
public sealed class LiveConsoleText(Guid runId, LogChunkStore chunks) : IResult
{
    public async Task ExecuteAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        long offset = 0;
        while (true)
        {
            var pieces = await chunks.ReadAsync(runId, offset, 1024 * 1024, ct);
            if (pieces.Count == 0) return;
            foreach (var chunk in pieces)
            {
                await context.Response.Body.WriteAsync(chunk.Data, ct);
                offset = chunk.End;
            }
        }
    }
}
