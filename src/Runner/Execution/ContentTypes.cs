using Microsoft.AspNetCore.StaticFiles;

namespace Narwhal.Runner.Execution;

/// <summary>Content types of stored artifacts, by extension (application/octet-stream when unknown).</summary>
public static class ContentTypes
{
    private static readonly FileExtensionContentTypeProvider Provider = new();

    public static string For(string path) =>
        Provider.TryGetContentType(path, out var type) ? type : "application/octet-stream";
}
