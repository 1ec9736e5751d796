using Narwhal.Runner.Junit;
using Narwhal.Testing;

namespace Narwhal.Runner.Tests.Junit;

/// <summary>
/// The real JUnit reports in ../shared/fixtures/junit (beside the repository, never copied into it) and the counts its
/// README gives for each: the number of test cases, and of cases with a failure, an error, a skip.
/// </summary>
internal static class JunitFixtures
{
    public sealed record Counted(string File, int Tests, int Failures, int Errors, int Skipped)
    {
        public override string ToString() => File;
    }

    /// <summary>The README table, "counted t/f/e/s" column.</summary>
    public static readonly Counted[] Reports =
    [
        new("pytest/enricomi-junit.fail.xml", 5, 1, 0, 1),
        new("maven-surefire/TEST-action.surefire.report.email.EmailAddressTest.xml", 9, 2, 5, 0),
        new("maven-surefire/TEST-action.surefire.report.calc.StringUtilsTest.xml", 5, 2, 0, 1),
        new("jest/dorny-jest-junit.xml", 6, 4, 0, 1),
        new("go-junit-report/001-report.xml", 5, 1, 0, 2),
        new("dotnet-junitxml-testlogger/TestResults.xml", 52, 14, 0, 6),
        new("phpunit/dorny-phpunit.xml", 12, 2, 0, 0),
        new("reference/testmo-junit-complete.xml", 8, 1, 1, 1),
        new("edge-cases/with-xml-entities.xml", 4, 1, 1, 2),
        new("edge-cases/testsuite-in-testsuite.xml", 5, 0, 0, 0),
    ];

    public static readonly string[] Malformed =
    [
        "malformed/corrupt-xml.xml",
        "malformed/testXxe-xxe.xml",
        "malformed/empty.xml",
    ];

    public static string Directory { get; } = RepositoryFiles.SharedFixture("junit");

    public static string PathOf(string file) => Path.Combine(Directory, file.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Every file in the fixture folder, as a path relative to it with '/' separators.</summary>
    public static IEnumerable<string> AllFiles() =>
        System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Directory, path).Replace(Path.DirectorySeparatorChar, '/'));

    public static async Task<JunitReport> ParseAsync(string file)
    {
        await using var stream = File.OpenRead(PathOf(file));
        return await JunitParser.ParseAsync(stream, file, CancellationToken.None);
    }

    public static async Task<string> ReadTextAsync(string file) => await File.ReadAllTextAsync(PathOf(file));

}
