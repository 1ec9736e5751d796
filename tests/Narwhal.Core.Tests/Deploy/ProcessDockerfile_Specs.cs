using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Deploy;

/// <summary>
/// The three process images are built from a context that holds only what each Dockerfile copies. The build
/// enforces the analyzers with warnings as errors, so a Dockerfile that leaves out a file the build reads
/// (.editorconfig holds which rules are off) fails only when someone builds the image, long after the change.
/// </summary>
[TestFixture]
public sealed class ProcessDockerfile_Specs
{
    private static readonly string[] BuildInputs = [".editorconfig", "Directory.Build.props", "Directory.Packages.props", "migrations/"];

    [TestCase("Api")]
    [TestCase("Runner")]
    [TestCase("Dispatcher")]
    public void When_a_process_image_is_built_Should_copy_every_file_the_build_reads(string process)
    {
        var copied = File.ReadLines(RepositoryFiles.PathOf("src", process, "Dockerfile"))
            .Where(line => line.StartsWith("COPY ", StringComparison.Ordinal) && !line.Contains("--from", StringComparison.Ordinal))
            .SelectMany(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).SkipLast(1))
            .ToHashSet(StringComparer.Ordinal);

        Assert.That(BuildInputs.Where(input => !copied.Contains(input)), Is.Empty, $"src/{process}/Dockerfile copies {string.Join(", ", copied)}");
    }

    [Test]
    public void When_the_build_context_is_filtered_Should_keep_the_files_the_build_reads()
    {
        var ignored = File.ReadLines(RepositoryFiles.PathOf(".dockerignore")).Select(line => line.Trim()).ToHashSet(StringComparer.Ordinal);

        Assert.That(BuildInputs.Select(input => input.TrimEnd('/')).Where(ignored.Contains), Is.Empty);
    }
}
