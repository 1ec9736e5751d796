using Narwhal.Api.Dtos;
using Narwhal.Core.Jobs;

namespace Narwhal.Api.Tests.Support;

/// <summary>
/// Builders for PUT /jobs bodies. They are the Api's own request records, so the JSON the HTTP
/// tests send (serialized with <c>Json.Options</c>) is exactly what a client sends, and the
/// validator tests check the same shapes without HTTP.
/// </summary>
internal static class JobRequests
{
    public static JobRequest Freestyle(params string[] script) => new()
    {
        Type = JobType.Freestyle,
        Image = TestEnvironment.BusyboxImage,
        Script = script.Length > 0 ? [.. script] : ["echo hello"],
    };

    public static JobRequest Git(string url = "file:///tmp/x", string? defaultBranch = null, string? configPath = null) => new()
    {
        Type = JobType.Git,
        Git = new GitSourceRequest { Url = url, DefaultBranch = defaultBranch, ConfigPath = configPath },
    };

    public static JobRequest WithParameters(this JobRequest job, params ParameterRequest[] parameters) =>
        job with { Parameters = [.. parameters] };

    public static ParameterRequest Parameter(string name, string? @default = null, bool required = false) =>
        new() { Name = name, Default = @default, Required = required };
}

/// <summary>Builders for stored job specs, as the trigger validator receives them.</summary>
internal static class JobSpecs
{
    public static JobSpec Freestyle(params ParameterDeclaration[] parameters) => new()
    {
        Type = JobType.Freestyle,
        ResourceClass = "small",
        Image = TestEnvironment.BusyboxImage,
        Script = ["echo hello"],
        Parameters = parameters,
    };

    public static JobSpec Git(string defaultBranch = "main", params ParameterDeclaration[] parameters) => new()
    {
        Type = JobType.Git,
        ResourceClass = "small",
        Git = new GitSource { Url = "file:///tmp/x", DefaultBranch = defaultBranch },
        Parameters = parameters,
    };

    public static ParameterDeclaration Declared(string name, string? @default = null, bool required = false) =>
        new() { Name = name, Default = @default, Required = required };
}
