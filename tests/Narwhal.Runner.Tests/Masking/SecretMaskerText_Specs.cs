using System.Buffers;
using System.Text;
using System.Text.Json;
using Narwhal.Runner.Masking;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Masking.MaskingHarness;

namespace Narwhal.Runner.Tests.Masking;

/// <summary>
/// <see cref="SecretMasker.MaskText"/>: the string-level entry point for what the Runner stores or logs outside the
/// console stream (JUnit summaries, its own log lines). Same patterns as the stream; no effect on the stream.
/// </summary>
[TestFixture]
public sealed class SecretMaskerText_Specs
{
    private const string Secret = "p@ss word/with+signs";

    [Test]
    public void When_text_holds_a_secret_in_any_of_its_forms_Should_mask_each()
    {
        var masker = new SecretMasker([Secret]);
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret));
        var json = JsonSerializer.Serialize(Secret)[1..^1];

        var masked = masker.MaskText($"raw {Secret}, base64 {base64}, url {Uri.EscapeDataString(Secret)}, json {json}.");

        Assert.That(masked, Is.EqualTo("raw ***, base64 ***, url ***, json ***."));
    }

    [Test]
    public void When_text_holds_no_secret_Should_return_it_unchanged()
    {
        var masker = new SecretMasker([Secret]);
        var text = "nothing to hide: \ud800 é ✓";

        Assert.That(masker.MaskText(text), Is.SameAs(text));
        Assert.That(new SecretMasker([]).MaskText(text), Is.SameAs(text));
    }

    [Test]
    public void When_a_secret_ends_the_text_Should_mask_it_and_not_hold_anything_back()
    {
        Assert.That(new SecretMasker([Secret]).MaskText("é " + Secret), Is.EqualTo("é ***"));
        Assert.That(new SecretMasker([Secret]).MaskText(Secret[..^1]), Is.EqualTo(Secret[..^1]), "a prefix is not the secret");
    }

    [Test]
    public void When_the_stream_is_midway_through_a_secret_Should_leave_the_stream_as_it_was()
    {
        var masker = new SecretMasker([Secret]);
        var output = new ArrayBufferWriter<byte>();
        masker.Write(Utf8("log: " + Secret[..5]), output);

        Assert.That(masker.MaskText($"[{Secret}]"), Is.EqualTo("[***]"));

        masker.Write(Utf8(Secret[5..] + " end"), output);
        masker.Flush(output);
        Assert.That(Text(output.WrittenSpan), Is.EqualTo("log: *** end"));
    }

    [Test]
    public void When_called_from_many_threads_at_once_Should_mask_each_text_alone()
    {
        var masker = new SecretMasker([Secret, "another-secret-9"]);

        var results = Enumerable.Range(0, 64).AsParallel().Select(i => masker.MaskText($"{i}:{Secret}:another-secret-9:{i}")).ToList();

        Assert.That(results, Is.EqualTo(Enumerable.Range(0, 64).Select(i => $"{i}:***:***:{i}")));
    }
}
