using System.Net;
using System.Net.Sockets;
using System.Text;
using Narwhal.Core.Results;
using Narwhal.Runner.Junit;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Junit;

/// <summary>
/// Files that are not well-formed JUnit XML are reported as unparseable, with the reason and its position, and never
/// throw; a DOCTYPE is refused outright so no entity is ever declared, expanded or fetched.
/// </summary>
[TestFixture]
public sealed class JunitParser_Malformed_Specs
{
    private static IEnumerable<TestCaseData> MalformedFiles() =>
        JunitFixtures.Malformed.Select(f => new TestCaseData(f).SetArgDisplayNames(f));

    [TestCaseSource(nameof(MalformedFiles))]
    public async Task When_a_real_file_is_malformed_Should_report_it_unparseable_with_a_position(string file)
    {
        var report = await JunitFixtures.ParseAsync(file);

        Assert.That(report.Parsed, Is.False);
        Assert.That(report.FileName, Is.EqualTo(file));
        Assert.That(report.Error, Does.Match(@"[Ll]ine \d+, position \d+\.$"));
        Assert.That(report.Totals, Is.EqualTo(JunitTotals.Empty));
        Assert.That(report.Suites, Is.Empty);
        Assert.That(report.Failures, Is.Empty);
    }

    [Test]
    public async Task When_the_file_ends_mid_element_Should_say_where()
    {
        var report = await JunitFixtures.ParseAsync("malformed/corrupt-xml.xml");

        Assert.That(report.Error, Does.Contain("Unexpected end of file").And.Contain("Line 11, position 22."));
    }

    [Test]
    public async Task When_the_file_is_empty_Should_say_the_root_element_is_missing()
    {
        var report = await JunitFixtures.ParseAsync("malformed/empty.xml");

        Assert.That(report.Error, Is.EqualTo("Root element is missing. Line 1, position 1."));
    }

    [Test]
    public async Task When_the_file_declares_an_external_entity_Should_refuse_its_dtd()
    {
        var report = await JunitFixtures.ParseAsync("malformed/testXxe-xxe.xml");

        Assert.That(report.Parsed, Is.False);
        Assert.That(report.Error, Does.Contain("DTD is prohibited"));
    }

    [Test]
    public async Task When_the_external_entity_points_at_a_listening_server_Should_never_connect_to_it()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/oob.dtd";
        var hostile = (await JunitFixtures.ReadTextAsync("malformed/testXxe-xxe.xml")).Replace("$OOB_LINK$", url);
        var withGeneralEntity = $"""<!DOCTYPE testsuites [<!ENTITY remote SYSTEM "{url}">]><testsuites><testsuite name="&remote;"><testcase name="a"/></testsuite></testsuites>""";

        var reports = new[] { await JunitXml.ParseAsync(Encoding.Latin1.GetBytes(hostile)), await JunitXml.ParseAsync(withGeneralEntity) };

        Assert.That(reports.Select(r => r.Parsed), Is.All.False);
        Assert.That(reports.Select(r => r.Error), Is.All.Contain("DTD"));
        Assert.That(listener.Pending(), Is.False, "the parser opened a connection to the entity's URL");
    }

    [Test]
    public async Task When_an_entity_names_a_local_file_Should_not_read_it()
    {
        var secret = Path.Combine(Path.GetTempPath(), $"narwhal-xxe-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(secret, "canary-5f1d2c");
        try
        {
            var xml = $"""<?xml version="1.0"?><!DOCTYPE testsuites [<!ENTITY leak SYSTEM "{new Uri(secret).AbsoluteUri}">]><testsuites><testsuite name="&leak;"><testcase name="&leak;"><failure message="&leak;"/></testcase></testsuite></testsuites>""";

            var report = await JunitXml.ParseAsync(xml);

            Assert.That(report.Parsed, Is.False);
            Assert.That(report.Error, Does.Not.Contain("canary"));
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Test]
    public async Task When_entities_expand_exponentially_Should_refuse_the_file()
    {
        var laughs = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol0 \"lol\">");
        for (var i = 1; i <= 9; i++)
            laughs.Append($"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{i - 1};", 10))}\">");
        laughs.Append("]><testsuites><testsuite name=\"&lol9;\"><testcase name=\"a\"/></testsuite></testsuites>");

        var report = await JunitXml.ParseAsync(laughs.ToString());

        Assert.That(report.Parsed, Is.False);
        Assert.That(report.Error, Does.Contain("DTD"));
    }

    [Test]
    public async Task When_the_root_is_not_a_junit_element_Should_say_what_it_is()
    {
        var report = await JunitXml.ParseAsync("<TestRun><Results><UnitTestResult testName=\"a\"/></Results></TestRun>", "run.trx");

        Assert.That(report.Parsed, Is.False);
        Assert.That(report.Error, Is.EqualTo("Not a JUnit report: the root element is <TestRun>, expected <testsuites> or <testsuite>. Line 1, position 2."));
    }

    [Test]
    public async Task When_a_second_root_follows_a_good_report_Should_refuse_the_whole_file()
    {
        var xml = JunitXml.Suites(JunitXml.Suite("s", JunitXml.Case("a"))) + "<testsuites/>";

        var report = await JunitXml.ParseAsync(xml);

        Assert.That(report.Parsed, Is.False);
        Assert.That(report.Totals.Tests, Is.Zero, "nothing is counted from a file that is not well-formed");
    }

    [Test]
    public async Task When_bytes_are_not_valid_in_the_declared_encoding_Should_report_it_unparseable()
    {
        byte[] xml = [.. "<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuite name=\""u8, 0xC3, 0x28, .. "\"/>"u8];

        var report = await JunitXml.ParseAsync(xml);

        Assert.That(report.Parsed, Is.False);
        Assert.That(report.Error, Does.Contain("Invalid character in the given encoding"));
    }

    [Test]
    public async Task When_the_declared_encoding_is_unknown_Should_report_it_unparseable()
    {
        var report = await JunitXml.ParseAsync("<?xml version=\"1.0\" encoding=\"x-no-such-charset\"?><testsuite/>");

        Assert.That(report.Parsed, Is.False);
        Assert.That(report.Error, Does.Contain("x-no-such-charset"));
    }

    [Test]
    public async Task When_the_file_declares_iso_8859_1_Should_decode_names_in_it()
    {
        var xml = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
            + JunitXml.Suites(JunitXml.Suite("Café", JunitXml.Case("niño", content: JunitXml.Failure("señal perdida"))));

        var report = await JunitXml.ParseAsync(Encoding.Latin1.GetBytes(xml));

        Assert.That(report.Parsed, Is.True, report.Error);
        var failure = report.Failures.Single();
        Assert.That((failure.Suite, failure.Name, failure.Message), Is.EqualTo(("Café", "niño", "señal perdida")));
    }

    [Test]
    public async Task When_the_file_is_utf16_with_a_bom_Should_read_it()
    {
        var xml = JunitXml.Suites(JunitXml.Suite("ü", JunitXml.Case("a"), JunitXml.Case("b", content: JunitXml.Skipped())));

        var report = await JunitXml.ParseAsync([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(xml)]);

        Assert.That((report.Totals.Tests, report.Totals.Skipped, report.Suites.Single().Name), Is.EqualTo((2, 1, "ü")));
    }

    [Test]
    public void When_the_run_is_cancelled_Should_throw_operation_cancelled()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(JunitXml.Suites(JunitXml.Suite("s", JunitXml.Case("a")))));

        Assert.That(
            async () => await JunitParser.ParseAsync(stream, "a.xml", new CancellationToken(canceled: true)),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void When_the_stream_itself_fails_Should_let_the_failure_through()
    {
        using var stream = new FailingStream();

        Assert.That(async () => await JunitParser.ParseAsync(stream, "a.xml", CancellationToken.None), Throws.InstanceOf<IOException>());
    }

    private sealed class FailingStream() : AsyncOnlyStream(new MemoryStream())
    {
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            throw new IOException("Storage went away.");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new IOException("Storage went away.");
    }
}
