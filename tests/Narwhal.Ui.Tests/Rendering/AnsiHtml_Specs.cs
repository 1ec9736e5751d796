using Narwhal.Api.Ui.Rendering;
using NUnit.Framework;

namespace Narwhal.Ui.Tests.Rendering;

/// <summary>Console text to HTML: colours and bold as classes, everything escaped, other escape sequences dropped.</summary>
[TestFixture]
public sealed class AnsiHtml_Specs
{
    [Test]
    public void When_text_has_no_escapes_Should_only_escape_html() =>
        Assert.That(AnsiHtml.Render("<script>alert('x') & \"y\"</script> é ✓"),
            Is.EqualTo("&lt;script&gt;alert('x') &amp; \"y\"&lt;/script&gt; é ✓"));

    [Test]
    public void When_a_colour_is_set_and_reset_Should_wrap_that_text_in_its_class() =>
        Assert.That(AnsiHtml.Render("ok \u001b[32mPASS\u001b[0m done"), Is.EqualTo("ok <span class=\"fg32\">PASS</span> done"));

    [Test]
    public void When_bold_and_bright_colours_combine_Should_carry_both_until_reset() =>
        Assert.That(AnsiHtml.Render("\u001b[1;91mFAIL\u001b[22m still red\u001b[m plain"),
            Is.EqualTo("<span class=\"fg91 b\">FAIL</span><span class=\"fg91\"> still red</span> plain"));

    [Test]
    public void When_other_escape_sequences_appear_Should_drop_them() =>
        Assert.That(AnsiHtml.Render("a\u001b[2Kb\u001b]0;title\u0007c\u001b[?25ld\u001b[38;5;202me\u001b[0m"), Is.EqualTo("abcde"));

    [Test]
    public void When_a_sequence_is_cut_at_the_end_Should_drop_it_without_failing() =>
        Assert.That(AnsiHtml.Render("text\u001b[3"), Is.EqualTo("text"));

    [Test]
    public void When_lines_end_with_cr_Should_turn_them_into_line_breaks() =>
        Assert.That(AnsiHtml.Render("10%\r20%\r\ndone\n"), Is.EqualTo("10%\n20%\ndone\n"));

    [Test]
    public void When_rendering_continues_Should_keep_the_colour_across_pieces()
    {
        var ansi = new AnsiHtml();
        Assert.That(ansi.Append("\u001b[33mwarn"), Is.EqualTo("<span class=\"fg33\">warn</span>"));
        Assert.That(ansi.Append("ing\u001b[0m"), Is.EqualTo("<span class=\"fg33\">ing</span>"));
    }
}
