using System.Text.Json.Nodes;

namespace Narwhal.Api.OpenApi;

/// <summary>
/// What the OpenAPI document says about one operation beyond what the endpoint's metadata gives:
/// a description, the problem+json errors its handler returns, answers that are not typed JSON
/// (text, Server-Sent Events, zip, artifacts, 304s) and an example request body.
/// </summary>
/// <remarks>
/// Checked against the running Api by tests/Narwhal.Api.Tests/OpenApi/OpenApiConformance_Specs:
/// a status or content type returned but missing here fails that test.
/// </remarks>
public sealed record OperationDoc(string Description)
{
    /// <summary>Problem+json answers of the handler itself, with when they happen (401/403 and body errors are added for every operation that has them).</summary>
    public IReadOnlyList<ErrorDoc> Errors { get; init; } = [];

    /// <summary>Answers whose body the endpoint metadata cannot describe (streams, stored objects, untyped results).</summary>
    public IReadOnlyList<ResponseDoc> Responses { get; init; } = [];

    /// <summary>Request headers the handler reads besides those the endpoint binds (Range, If-None-Match, Last-Event-ID).</summary>
    public IReadOnlyList<HeaderDoc> Headers { get; init; } = [];

    /// <summary>A request body the Api accepts as it is (tests send it and expect success).</summary>
    public JsonNode? Example { get; init; }

    /// <summary>
    /// A JSON body the handler reads itself rather than through binding (so routing never answers for it, as
    /// <c>Accepts</c> metadata would): what it is. Its errors are the operation's own.
    /// </summary>
    public string? RawJsonBody { get; init; }
}

public sealed record ErrorDoc(int Status, string When);

/// <summary>A response and its media types; <paramref name="Body"/> says how to describe the payload.</summary>
public sealed record ResponseDoc(int Status, string Description, BodyKind Body, params string[] MediaTypes)
{
    /// <summary>For <see cref="BodyKind.Json"/>: the type whose schema describes the payload.</summary>
    public Type? JsonType { get; init; }
}

public enum BodyKind
{
    /// <summary>No body (204, 304).</summary>
    None,
    /// <summary>Text (a log, an event stream).</summary>
    Text,
    /// <summary>Bytes (a zip, an artifact).</summary>
    Binary,
    /// <summary>JSON described by <see cref="ResponseDoc.JsonType"/>.</summary>
    Json,
}

public sealed record HeaderDoc(string Name, string Description);
