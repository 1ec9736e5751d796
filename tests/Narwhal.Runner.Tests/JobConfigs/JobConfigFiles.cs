using Narwhal.Runner.JobConfigs;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.JobConfigs;

/// <summary>Small builders for job config files and one way to check a refusal.</summary>
internal static class JobConfigFiles
{
    public const string FileName = ".narwhal.yml";

    /// <summary>The lines joined with <c>\n</c>; a test's positions are then the lines as written.</summary>
    public static string Yaml(params string[] lines) => string.Join("\n", lines) + "\n";

    /// <summary>A valid file: <c>image</c> on line 1, <c>script</c> on line 2, then <paramref name="more"/> from line 3.</summary>
    public static string Minimal(params string[] more) => Yaml(["image: local/busybox:1", "script: [make]", .. more]);

    /// <summary>Like <see cref="Minimal"/> but without image: the lines given start at line 2.</summary>
    public static string ScriptOnly(params string[] more) => Yaml(["script: [make]", .. more]);

    /// <summary>The first <c>```yaml</c> block of docs/job-config.md: its complete example.</summary>
    public static string DocsExample()
    {
        var docs = File.ReadAllText(RepositoryFiles.PathOf("docs", "job-config.md"));
        var start = docs.IndexOf("```yaml\n", StringComparison.Ordinal) + "```yaml\n".Length;
        return docs[start..docs.IndexOf("```", start, StringComparison.Ordinal)];
    }


    public static Narwhal.Runner.JobConfigs.JobConfig Parse(string yaml) => JobConfigParser.Parse(yaml, FileName);

    public static JobConfigException Refusal(string yaml) => Assert.Throws<JobConfigException>(() => Parse(yaml))!;

    /// <summary>Refused at exactly <paramref name="line"/>:<paramref name="column"/>, the problem naming each of <paramref name="mentions"/>.</summary>
    public static void AssertRefused(string yaml, int line, int column, params string[] mentions)
    {
        var error = Refusal(yaml);
        Assert.Multiple(() =>
        {
            Assert.That((error.File, error.Line, error.Column), Is.EqualTo((FileName, line, column)), error.Message);
            Assert.That(error.Message, Is.EqualTo($"{FileName}:{line}:{column}: {error.Problem}"));
            foreach (var mention in mentions)
                Assert.That(error.Problem, Does.Contain(mention));
        });
    }
}
