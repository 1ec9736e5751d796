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
    public static string DocsExample() => DocsExample("## Complete example");

    public static Narwhal.Runner.JobConfigs.JobConfig Parse(string yaml) => JobConfigParser.Parse(yaml, FileName);

    /// <summary>A file that must be a pipeline.</summary>
    public static PipelineConfig ParsePipeline(string yaml)
    {
        var file = JobConfigParser.ParseFile(yaml, FileName);
        Assert.That(file.Single, Is.Null, "a file with steps is a pipeline");
        return file.Pipeline!;
    }

    /// <summary>The <c>```yaml</c> block of docs/job-config.md that follows <paramref name="heading"/>.</summary>
    public static string DocsExample(string heading)
    {
        var docs = File.ReadAllText(RepositoryFiles.PathOf("docs", "job-config.md"));
        var start = docs.IndexOf("```yaml\n", docs.IndexOf(heading, StringComparison.Ordinal), StringComparison.Ordinal) + "```yaml\n".Length;
        return docs[start..docs.IndexOf("```", start, StringComparison.Ordinal)];
    }

    public static JobConfigException Refusal(string yaml) => Assert.Throws<JobConfigException>(() => Parse(yaml))!;

    /// <summary>Refused at exactly <paramref name="line"/>:<paramref name="column"/>, the problem naming each of <paramref name="mentions"/>.</summary>
    public static void AssertRefused(string yaml, int line, int column, params string[] mentions) =>
        AssertAt(Refusal(yaml), line, column, mentions);

    /// <summary>As <see cref="AssertRefused"/>, read as any file may be (<see cref="JobConfigParser.ParseFile"/>).</summary>
    public static void AssertFileRefused(string yaml, int line, int column, params string[] mentions) =>
        AssertAt(Assert.Throws<JobConfigException>(() => JobConfigParser.ParseFile(yaml, FileName))!, line, column, mentions);

    private static void AssertAt(JobConfigException error, int line, int column, string[] mentions)
    {
        Assert.Multiple(() =>
        {
            Assert.That((error.File, error.Line, error.Column), Is.EqualTo((FileName, line, column)), error.Message);
            Assert.That(error.Message, Is.EqualTo($"{FileName}:{line}:{column}: {error.Problem}"));
            foreach (var mention in mentions)
                Assert.That(error.Problem, Does.Contain(mention));
        });
    }
}
