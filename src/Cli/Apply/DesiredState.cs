using System.Text.Json.Nodes;

namespace Narwhal.Cli.Apply;

/// <summary>Where something was written: file, line and column (1-based), for error messages.</summary>
public sealed record SourceMark(string File, long Line, long Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>A secret's value, resolved from where the file points (never written in the file).</summary>
public sealed record SecretValue(string Value, string Reference, SourceMark Mark);

/// <summary>Git credentials as declared: a token or an SSH key (resolved), with an optional user.</summary>
public sealed record DesiredGitCredentials(string? Username, SecretValue? Token, SecretValue? SshPrivateKey, SourceMark Mark)
{
    public JsonObject Body()
    {
        var body = new JsonObject();
        if (Username is not null) body["username"] = Username;
        if (Token is not null) body["token"] = Token.Value;
        if (SshPrivateKey is not null) body["sshPrivateKey"] = SshPrivateKey.Value;
        return body;
    }
}

/// <summary>
/// One job as the input declares it: the API's job body (every key but name, secrets and
/// gitCredentials, passed through as-is so new API settings need no CLI change), its secrets and
/// git credentials, and where each field was written.
/// </summary>
public sealed record DesiredJob(
    string Name,
    JsonObject Body,
    IReadOnlyDictionary<string, SecretValue> Secrets,
    DesiredGitCredentials? GitCredentials,
    SourceMark Mark,
    IReadOnlyDictionary<string, SourceMark> FieldMarks)
{
    /// <summary>The mark of an API field path ("git.url", "parameters[0].name"), or of its nearest parent, or of the job.</summary>
    public SourceMark MarkOf(string field)
    {
        var path = field;
        while (path.Length > 0)
        {
            if (FieldMarks.TryGetValue(path, out var mark)) return mark;
            var cut = path.LastIndexOfAny(['.', '[']);
            if (cut <= 0) break;
            path = path[..cut];
        }
        return FieldMarks.GetValueOrDefault(field.Split('.', '[')[0]) ?? Mark;
    }
}

/// <summary>An input error, reported as <c>file:line:column: message</c>.</summary>
public sealed class ApplyInputException(string message) : Exception(message);
