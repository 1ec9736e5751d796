using System.Text;

namespace Narwhal.Runner.Git;

/// <summary>
/// The credentials of one fetch, in the form git takes them, for as long as the fetch runs.
/// <list type="bullet">
/// <item>Token (HTTPS): <c>GIT_ASKPASS</c> names a small script that prints
/// <c>$NARWHAL_GIT_USERNAME</c> / <c>$NARWHAL_GIT_PASSWORD</c>. The token itself is only in the fetch
/// process's environment: not in the script, not in a URL, not in an argument, not in the mirror's config.</item>
/// <item>SSH key: written 0600 into a 0700 private temporary folder and handed over with
/// <c>GIT_SSH_COMMAND</c> (<c>IdentitiesOnly</c>, a throwaway known-hosts file with <c>accept-new</c>).
/// ssh reads keys only from files; the folder is deleted on <see cref="Dispose"/>, right after the fetch.</item>
/// </list>
/// </summary>
internal sealed class GitCredentialSession : IDisposable
{
    public const string UsernameVariable = "NARWHAL_GIT_USERNAME";
    public const string PasswordVariable = "NARWHAL_GIT_PASSWORD";

    /// <summary>GitHub, Gitea and Forgejo accept any user name with a token; this one documents itself.</summary>
    public const string DefaultUsername = "x-access-token";

    private const string AskPassScript =
        """
        #!/bin/sh
        # Written by Narwhal for one git fetch. Prints what git asks for from the environment;
        # the credentials are never stored in this file.
        case "$1" in
          [Uu]sername*) printf '%s\n' "$NARWHAL_GIT_USERNAME" ;;
          *) printf '%s\n' "$NARWHAL_GIT_PASSWORD" ;;
        esac

        """;

    private readonly DirectoryInfo? _directory;

    private GitCredentialSession(DirectoryInfo? directory, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> secrets)
    {
        _directory = directory;
        Environment = environment;
        Secrets = secrets;
    }

    /// <summary>Variables for the fetch process (empty without credentials).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>What <see cref="GitSecretScrubber"/> must mask in this fetch's output, in every form it could take.</summary>
    public IReadOnlyList<string> Secrets { get; }

    /// <summary>The private folder holding the script and key; null without credentials.</summary>
    public string? Directory => _directory?.FullName;

    public static GitCredentialSession None { get; } = new(null, new Dictionary<string, string>(), []);

    public static GitCredentialSession Create(GitCredentials? credentials)
    {
        var token = string.IsNullOrEmpty(credentials?.Token) ? null : credentials.Token;
        var key = string.IsNullOrWhiteSpace(credentials?.SshPrivateKey) ? null : credentials.SshPrivateKey;
        if (token is null && key is null) return None;

        var directory = System.IO.Directory.CreateTempSubdirectory("narwhal-git-"); // mkdtemp: mode 0700
        try
        {
            var environment = new Dictionary<string, string>();
            var secrets = new List<string>();
            if (token is not null)
            {
                var username = string.IsNullOrEmpty(credentials!.Username) ? DefaultUsername : credentials.Username;
                var askPass = Path.Combine(directory.FullName, "askpass.sh");
                WritePrivateFile(askPass, AskPassScript, executable: true);
                environment["GIT_ASKPASS"] = askPass;
                environment[UsernameVariable] = username;
                environment[PasswordVariable] = token;
                secrets.AddRange([token, Uri.EscapeDataString(token), Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{token}"))]);
            }
            if (key is not null)
            {
                var keyFile = Path.Combine(directory.FullName, "id_key");
                // OpenSSH rejects a key without its final newline, and CRLF from a web form.
                WritePrivateFile(keyFile, key.ReplaceLineEndings("\n").TrimEnd() + "\n", executable: false);
                var knownHosts = Path.Combine(directory.FullName, "known_hosts");
                environment["GIT_SSH_COMMAND"] =
                    $"ssh -i {ShellQuote(keyFile)} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={ShellQuote(knownHosts)} -o BatchMode=yes";
                secrets.Add(key);
                secrets.AddRange(key.ReplaceLineEndings("\n").Split('\n').Where(line => line.Length >= 16 && !line.StartsWith("-----", StringComparison.Ordinal)));
            }
            return new GitCredentialSession(directory, environment, secrets);
        }
        catch
        {
            directory.Delete(recursive: true);
            throw;
        }
    }

    public void Dispose()
    {
        if (_directory is null) return;
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Created with its final mode: the file is never readable by others, not even for a moment.</summary>
    private static void WritePrivateFile(string path, string content, bool executable)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = executable
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                : UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, options);
        stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(content));
    }

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''") + "'";
}
