namespace Narwhal.Runner.Git;

/// <summary>
/// Credentials for one fetch of a private repository: a token for HTTPS (sent as the password,
/// <see cref="Username"/> defaulting to <c>x-access-token</c>) or an SSH private key (PEM/OpenSSH text).
/// They reach git only through the fetch process's environment (see <see cref="GitCredentialSession"/>).
/// </summary>
public sealed record GitCredentials
{
    public string? Username { get; init; }
    public string? Token { get; init; }
    public string? SshPrivateKey { get; init; }

    /// <summary>Never prints the secrets: a record's generated ToString would, and credentials end up in logs that way.</summary>
    public override string ToString() =>
        $"GitCredentials {{ Username = {Username ?? "(default)"}, Token = {(Token is null ? "none" : "***")}, SshPrivateKey = {(SshPrivateKey is null ? "none" : "***")} }}";
}
