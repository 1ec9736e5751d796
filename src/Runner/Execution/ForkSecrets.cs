using Narwhal.Core.Runs;

namespace Narwhal.Runner.Execution;

/// <summary>
/// Runs of pull requests from forks get no secrets unless their job opted in (<c>github.forkSecrets</c>):
/// the Api decides when it stores the run (<see cref="GithubTrigger.SecretsWithheld"/>) and the Runner
/// obeys. A fork's code must not read the job's secrets.
/// </summary>
/// <remarks>
/// Git credentials are still used to fetch the repository (a private base repository cannot be read
/// without them), and that is all they are ever used for: they reach git only through the fetch's own
/// environment (<c>GIT_ASKPASS</c>/<c>GIT_SSH_COMMAND</c>, see GitCredentialSession), never the mirror's
/// configuration, the workspace (a <c>git archive</c> of the commit, no <c>.git</c>), an image build or
/// a container. So the fork's code gets nothing beyond the read the fetch already made.
/// </remarks>
public static class ForkSecrets
{
    /// <summary>Why this run gets no secrets, or null when it gets them.</summary>
    public static string? WithheldBecause(Run run) => run.Trigger.Github is { SecretsWithheld: true } github
        ? $"this run comes from a fork pull request ({Describe(github)}); the job's github.forkSecrets is off"
        : null;

    /// <summary>The notice a run without secrets shows in its console.</summary>
    public static string Notice(string because) => $"Secrets withheld: {because}.";

    /// <summary>Why a job config naming <paramref name="names"/> cannot run now.</summary>
    public static string Refusal(IReadOnlyList<string> names, string because) => names.Count == 1
        ? $"secret {names[0]} withheld: {because}."
        : $"secrets {string.Join(", ", names)} withheld: {because}.";

    private static string Describe(GithubTrigger github)
    {
        var pull = github.PullRequest is { } number ? $" #{number}" : "";
        return github.ForkRepository is { } fork ? $"{fork}{pull} into {github.Repository}" : $"{github.Repository}{pull}";
    }
}
