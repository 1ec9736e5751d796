using System.Text.Json;
using System.Text.Json.Nodes;
using Narwhal.Api.Dtos;
using Narwhal.Core.Jobs;
using Narwhal.Core.Persistence;

namespace Narwhal.Api.OpenApi;

/// <summary>
/// Example request bodies for the document, built from the Api's own request records and
/// serialized as the Api reads them, so an example cannot name a property the Api refuses.
/// They fit together: the trigger example targets a job defined by the job example.
/// OpenApiExamples_Specs sends each one to a running Api and expects success.
/// </summary>
public static class RequestExamples
{
    public static JsonNode Job => Node(new JobRequest
    {
        Type = JobType.Git,
        Description = "Builds and tests the api service on every push.",
        Git = new GitSourceRequest { Url = "https://git.example.com/acme/api.git", ConfigPath = ".narwhal.yml", DefaultBranch = "main" },
        Parameters = [new ParameterRequest { Name = "TARGET", Default = "staging", Description = "Where the build is deployed." }],
        TimeoutSeconds = 1800,
        Retry = new RetryRequest { OnLost = 1 },
        MaxConcurrent = 1,
        ConcurrencyGroup = "api-deploy",
        Github = new GithubSettingsRequest { PushBranches = ["main", "release/*"], CancelSuperseded = true },
    });

    public static JsonNode Trigger => Node(new TriggerRequest
    {
        BranchName = "main",
        Parameters = new Dictionary<string, string> { ["TARGET"] = "production" },
    });

    public static JsonNode Token => Node(new TokenRequest
    {
        Name = "deploy-bot",
        Scopes = ["trigger"],
        ExpiresAt = new DateTime(2099, 12, 31, 0, 0, 0, DateTimeKind.Utc),
    });

    public static JsonNode Secret => Node(new SecretValueRequest { Value = "s3cr3t-deploy-key" });

    public static JsonNode GitCredentials => Node(new GitCredentialsRequest { Username = "x-access-token", Token = "glpat-example-0123456789" });

    private static JsonNode Node<T>(T body) => JsonSerializer.SerializeToNode(body, Json.Options)!;
}
