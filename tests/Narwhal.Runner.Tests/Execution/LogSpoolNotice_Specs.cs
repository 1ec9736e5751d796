using System.Text;
using Narwhal.Runner.Execution;
using Narwhal.Runner.Masking;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Execution;

/// <summary>The Runner's notices in a run's console are masked like the job's output: they can quote engine errors.</summary>
[TestFixture]
public sealed class LogSpoolNotice_Specs
{
    private const string Secret = "s3cr3t-in-an-engine-error";

    [Test]
    public async Task When_a_notice_quotes_a_secret_Should_write_it_masked()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"narwhal-spool-specs-{Guid.NewGuid():N}");
        try
        {
            await using var log = new LogSpool(directory, Guid.NewGuid(), 1_048_576);
            log.UseMasker(new SecretMasker([Secret]));
            await log.WriteAsync(Encoding.UTF8.GetBytes("job output\n"), CancellationToken.None);

            await log.WriteNoticeAsync($"Runner error: invalid environment variable NAME={Secret}");
            await log.CompleteAsync();

            Assert.That(await File.ReadAllTextAsync(log.Path), Is.EqualTo("job output\n[narwhal] Runner error: invalid environment variable NAME=***\n"));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
