using Microsoft.Extensions.Configuration;
using Narwhal.Core.Secrets;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Secrets;

/// <summary>
/// Locks in how NARWHAL_SECRETS_KEYS is read: the first key is active, every error names the setting
/// (and the entry) so an operator can fix it, and no error message or ToString ever shows key material.
/// </summary>
[TestFixture]
public sealed class SecretKeyRing_Specs
{
    private static readonly string KeyA = TestKeys.NewKey();
    private static readonly string KeyB = TestKeys.NewKey();

    [Test]
    public void When_one_key_is_configured_Should_make_it_active()
    {
        var ring = SecretKeyRing.Parse($"k1:{KeyA}");

        Assert.That(ring.ActiveKeyId, Is.EqualTo("k1"));
        Assert.That(ring.KeyIds, Is.EqualTo(new[] { "k1" }));
    }

    [Test]
    public void When_several_keys_are_configured_Should_make_the_first_active_and_keep_all_in_order()
    {
        var ring = SecretKeyRing.Parse($"k2:{KeyB},k1:{KeyA}");

        Assert.That(ring.ActiveKeyId, Is.EqualTo("k2"));
        Assert.That(ring.KeyIds, Is.EqualTo(new[] { "k2", "k1" }));
    }

    [Test]
    public void When_entries_have_surrounding_whitespace_Should_ignore_it()
    {
        var ring = SecretKeyRing.Parse($"  k2 : {KeyB} ,\n k1:{KeyA}  ");

        Assert.That(ring.KeyIds, Is.EqualTo(new[] { "k2", "k1" }));
    }

    [TestCase("")]
    [TestCase("   ")]
    public void When_the_value_is_empty_Should_say_so_naming_the_setting(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => SecretKeyRing.Parse(value));

        Assert.That(error!.Message, Does.Contain("NARWHAL_SECRETS_KEYS").And.Contain("empty").And.Contain("openssl rand -base64 32"));
    }

    [TestCase("{A}", "entry 1 is not in the form")]
    [TestCase("k1", "entry 1 is not in the form")]
    [TestCase("k1:", "entry 1 is not in the form")]
    [TestCase(":{A}", "entry 1 is not in the form")]
    [TestCase("k1:{A},k2", "entry 2 is not in the form")]
    [TestCase("k1:{A},,k2:{B}", "empty entry at position 2")]
    [TestCase("k1:{A},", "empty entry at position 2")]
    [TestCase("k 1:{A}", "entry 1 has an invalid key id")]
    [TestCase("k1/x:{A}", "entry 1 has an invalid key id")]
    [TestCase("abcdefghijklmnopqrstuvwxyz0123456:{A}", "entry 1 has an invalid key id")]
    [TestCase("k1:{A},k1:{B}", "names key id 'k1' more than once")]
    [TestCase("k1:not base64 at all!", "key 'k1' is not valid base64")]
    [TestCase("k1:{A}==", "key 'k1' is not valid base64")]
    public void When_the_value_is_malformed_Should_name_the_setting_and_the_problem(string template, string problem)
    {
        var value = template.Replace("{A}", KeyA).Replace("{B}", KeyB);

        var error = Assert.Throws<InvalidOperationException>(() => SecretKeyRing.Parse(value));

        Assert.That(error!.Message, Does.StartWith("Setting NARWHAL_SECRETS_KEYS").And.Contain(problem));
        Assert.That(error.Message, Does.Not.Contain(KeyA).And.Not.Contain(KeyB), "key material must never appear in an error");
    }

    [TestCase(16)]
    [TestCase(24)]
    [TestCase(31)]
    [TestCase(33)]
    [TestCase(64)]
    public void When_a_key_is_not_32_bytes_Should_report_its_length(int bytes)
    {
        var key = TestKeys.NewKey(bytes);

        var error = Assert.Throws<InvalidOperationException>(() => SecretKeyRing.Parse($"k1:{key}"));

        Assert.That(error!.Message, Does.Contain("NARWHAL_SECRETS_KEYS").And.Contain($"key 'k1' is {bytes} bytes").And.Contain("exactly 32 bytes"));
        Assert.That(error.Message, Does.Not.Contain(key));
    }

    [Test]
    public void When_the_setting_is_missing_Should_explain_how_to_generate_a_key()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>()).Build();

        var error = Assert.Throws<InvalidOperationException>(() => SecretKeyRing.FromConfiguration(config));

        Assert.That(error!.Message, Does.Contain("NARWHAL_SECRETS_KEYS").And.Contain("required").And.Contain("openssl rand -base64 32"));
    }

    [Test]
    public void When_the_setting_is_present_Should_read_it()
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["NARWHAL_SECRETS_KEYS"] = $"k2:{KeyB},k1:{KeyA}" })
            .Build();

        var ring = SecretKeyRing.FromConfiguration(config);

        Assert.That(ring, Is.EqualTo(SecretKeyRing.Parse($"k2:{KeyB},k1:{KeyA}")));
        Assert.That(ring.ActiveKeyId, Is.EqualTo("k2"));
    }

    [Test]
    public void When_printed_Should_show_key_ids_but_no_key_material()
    {
        var text = SecretKeyRing.Parse($"k2:{KeyB},k1:{KeyA}").ToString();

        Assert.That(text, Does.Contain("k2").And.Contain("k1"));
        Assert.That(text, Does.Not.Contain(KeyA).And.Not.Contain(KeyB));
    }

    [Test]
    public void When_compared_Should_be_equal_only_for_the_same_ids_and_keys_in_the_same_order()
    {
        var ring = SecretKeyRing.Parse($"k2:{KeyB},k1:{KeyA}");

        Assert.That(ring, Is.EqualTo(SecretKeyRing.Parse($"k2:{KeyB},k1:{KeyA}")));
        Assert.That(ring.GetHashCode(), Is.EqualTo(SecretKeyRing.Parse($"k2:{KeyB},k1:{KeyA}").GetHashCode()));
        Assert.That(ring, Is.Not.EqualTo(SecretKeyRing.Parse($"k1:{KeyA},k2:{KeyB}")));
        Assert.That(ring, Is.Not.EqualTo(SecretKeyRing.Parse($"k2:{KeyA},k1:{KeyB}")));
        Assert.That(ring, Is.Not.EqualTo(SecretKeyRing.Parse($"k2:{KeyB}")));
    }
}
