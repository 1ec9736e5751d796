using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Narwhal.Api.Tests.Github;

/// <summary>
/// The real webhook payloads in ../shared/fixtures/github-webhooks (beside the repository: CI clones it with shared
/// next to it), read byte for byte, and small edits of them for the cases the fixtures do not cover (another
/// repository, a fork, another head commit, a tag push).
/// </summary>
internal static class GithubFixtures
{
    public const string Ping = "ping/octokit-payload.json";
    public const string PullRequestOpened = "pull_request/octokit-opened.payload.json";
    public const string PullRequestSynchronize = "pull_request/octokit-synchronize.payload.json";
    public const string PullRequestClosed = "pull_request/octokit-closed.payload.json";
    /// <summary>Deletes tag simple-tag (deleted: true, after 000…0).</summary>
    public const string PushTagDeleted = "push/octokit-payload.json";
    /// <summary>Creates branch master at 6113728f….</summary>
    public const string PushNewBranch = "push/octokit-with-new-branch.payload.json";

    /// <summary>The repository every pull_request and push fixture comes from.</summary>
    public const string Repository = "Codertocat/Hello-World";
    public const string PullRequestHeadSha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
    public const string NewBranchSha = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";

    public static string Directory { get; } = Locate();

    public static byte[] Bytes(string fixture) => File.ReadAllBytes(Path.Combine(Directory, fixture));

    /// <summary>The fixture as if it came from <paramref name="fullName"/>: every URL and name of its repository rewritten.</summary>
    public static byte[] Rehomed(string fixture, string fullName) =>
        Encoding.UTF8.GetBytes(File.ReadAllText(Path.Combine(Directory, fixture)).Replace(Repository, fullName, StringComparison.Ordinal));

    public static byte[] Edited(byte[] payload, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(payload)!.AsObject();
        edit(node);
        return JsonSerializer.SerializeToUtf8Bytes(node);
    }

    /// <summary>The pull request's head moved to <paramref name="sha"/>.</summary>
    public static byte[] WithHeadSha(byte[] payload, string sha) => Edited(payload, p => p["pull_request"]!["head"]!["sha"] = sha);

    /// <summary>The pull request comes from a fork: its head repository is another one.</summary>
    public static byte[] FromFork(byte[] payload, string forkFullName = "forker/Hello-World") => Edited(payload, p =>
    {
        var repo = p["pull_request"]!["head"]!["repo"]!.AsObject();
        repo["id"] = 999_999_999;
        repo["full_name"] = forkFullName;
        repo["clone_url"] = $"https://github.com/{forkFullName}.git";
    });

    /// <summary>The tag-deletion push made into a push of tag <c>simple-tag</c> at <paramref name="sha"/>.</summary>
    public static byte[] TagPushed(byte[] tagDeleted, string sha) => Edited(tagDeleted, p =>
    {
        p["deleted"] = false;
        p["created"] = true;
        p["after"] = sha;
        p["head_commit"] = new JsonObject { ["id"] = sha };
    });

    /// <summary>The new-branch push made into the deletion of that branch.</summary>
    public static byte[] BranchDeleted(byte[] newBranch) => Edited(newBranch, p =>
    {
        p["deleted"] = true;
        p["created"] = false;
        p["after"] = new string('0', 40);
        p["head_commit"] = null;
    });

    /// <summary>GitHub's documented signature test vector (secret, payload, expected header).</summary>
    public static (string Secret, string Payload, string Header) TestVector()
    {
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "signature/github-docs-test-vector.json"))).RootElement;
        return (json.GetProperty("secret").GetString()!, json.GetProperty("payload").GetString()!, json.GetProperty("x_hub_signature_256").GetString()!);
    }

    private static string Locate()
    {
        var fixtures = RepositoryFiles.SharedFixture("github-webhooks");
        if (System.IO.Directory.Exists(fixtures)) return fixtures;
        throw new DirectoryNotFoundException($"No GitHub webhook fixtures at {fixtures} (the shared folder belongs beside the repository).");
    }
}
