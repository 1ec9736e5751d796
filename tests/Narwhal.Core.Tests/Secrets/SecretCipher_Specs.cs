using System.Text;
using Narwhal.Core.Secrets;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Secrets;

/// <summary>
/// Locks in the at-rest encryption of job secrets: exact round trips, a fresh nonce each time, and
/// an exception (never garbage) for anything that does not authenticate: a changed byte anywhere,
/// another place's associated data, another or unknown key id. Old keys keep decrypting after rotation.
/// </summary>
[TestFixture]
public sealed class SecretCipher_Specs
{
    private const string Place = "job:42:secret:DEPLOY_TOKEN";

    private static readonly string KeyOne = TestKeys.NewKey();
    private static readonly string KeyTwo = TestKeys.NewKey();

    private readonly SecretCipher cipher = TestKeys.Cipher(TestKeys.Entry("k1", KeyOne));

    private static IEnumerable<TestCaseData> Plaintexts()
    {
        yield return new TestCaseData("").SetArgDisplayNames("empty");
        yield return new TestCaseData("x").SetArgDisplayNames("one character");
        yield return new TestCaseData("hunter2-correct-horse").SetArgDisplayNames("ascii");
        yield return new TestCaseData("pässwörd €uro 🔑 密码 ").SetArgDisplayNames("unicode");
        yield return new TestCaseData("line one\nline two\r\n\ttab \0 nul \"quoted\" \\").SetArgDisplayNames("control characters");
        yield return new TestCaseData(string.Concat(Enumerable.Repeat("0123456789abcdef", 4096))).SetArgDisplayNames("64 KiB");
    }

    [TestCaseSource(nameof(Plaintexts))]
    public void When_a_value_is_encrypted_and_decrypted_Should_return_it_exactly(string plaintext)
    {
        var encrypted = cipher.Encrypt(plaintext, Place);

        Assert.That(cipher.Decrypt(encrypted, Place), Is.EqualTo(plaintext));
    }

    [Test]
    public void When_a_value_is_encrypted_Should_record_the_active_key_and_the_gcm_sizes()
    {
        const string plaintext = "pässwörd-🔑";

        var encrypted = cipher.Encrypt(plaintext, Place);

        Assert.That(encrypted.KeyId, Is.EqualTo("k1"));
        Assert.That(encrypted.Nonce, Has.Length.EqualTo(12));
        Assert.That(encrypted.Tag, Has.Length.EqualTo(16));
        Assert.That(encrypted.Ciphertext, Has.Length.EqualTo(Encoding.UTF8.GetByteCount(plaintext)));
        Assert.That(encrypted.Ciphertext, Is.Not.EqualTo(Encoding.UTF8.GetBytes(plaintext)));
    }

    [Test]
    public void When_the_same_value_is_encrypted_repeatedly_Should_use_a_fresh_nonce_each_time()
    {
        var encrypted = Enumerable.Range(0, 1000).Select(_ => cipher.Encrypt("same-value", Place)).ToList();

        Assert.That(encrypted.Select(value => Convert.ToHexString(value.Nonce)).Distinct().Count(), Is.EqualTo(1000));
        Assert.That(encrypted.Select(value => Convert.ToHexString(value.Ciphertext)).Distinct().Count(), Is.EqualTo(1000));
        Assert.That(encrypted.Select(value => cipher.Decrypt(value, Place)), Is.All.EqualTo("same-value"));
    }

    [Test]
    public void When_any_bit_of_the_ciphertext_tag_or_nonce_is_flipped_Should_refuse_to_decrypt()
    {
        var original = cipher.Encrypt("hunter2-correct-horse", Place);
        var variants = new List<(string Part, EncryptedSecret Secret)>();
        foreach (var (part, bytes) in new[] { ("ciphertext", original.Ciphertext), ("tag", original.Tag), ("nonce", original.Nonce) })
        {
            for (var bit = 0; bit < bytes.Length * 8; bit++)
            {
                var changed = bytes.ToArray();
                changed[bit / 8] ^= (byte)(1 << (bit % 8));
                variants.Add(($"{part} bit {bit}", part switch
                {
                    "ciphertext" => original with { Ciphertext = changed },
                    "tag" => original with { Tag = changed },
                    _ => original with { Nonce = changed },
                }));
            }
        }

        Assert.Multiple(() =>
        {
            foreach (var (part, secret) in variants)
            {
                var error = Assert.Throws<SecretDecryptionException>(() => cipher.Decrypt(secret, Place), part);
                Assert.That(error!.Reason, Is.EqualTo(SecretDecryptionFailure.AuthenticationFailed), part);
            }
        });
        Assert.That(variants, Has.Count.EqualTo((21 + 16 + 12) * 8));
    }

    [Test]
    public void When_the_ciphertext_is_truncated_or_extended_Should_refuse_to_decrypt()
    {
        var original = cipher.Encrypt("hunter2-correct-horse", Place);

        Assert.Throws<SecretDecryptionException>(() => cipher.Decrypt(original with { Ciphertext = original.Ciphertext[..^1] }, Place));
        Assert.Throws<SecretDecryptionException>(() => cipher.Decrypt(original with { Ciphertext = [.. original.Ciphertext, 0] }, Place));
        Assert.Throws<SecretDecryptionException>(() => cipher.Decrypt(original with { Ciphertext = [] }, Place));
    }

    [TestCase("job:43:secret:DEPLOY_TOKEN")]
    [TestCase("job:42:secret:OTHER_TOKEN")]
    [TestCase("job:42:secret:deploy_token")]
    [TestCase("job:42:secret:DEPLOY_TOKEN ")]
    [TestCase("job:4:secret:DEPLOY_TOKEN")]
    public void When_the_ciphertext_is_copied_to_another_place_Should_refuse_to_decrypt(string otherPlace)
    {
        var encrypted = cipher.Encrypt("hunter2-correct-horse", Place);

        var error = Assert.Throws<SecretDecryptionException>(() => cipher.Decrypt(encrypted, otherPlace));

        Assert.That(error!.Reason, Is.EqualTo(SecretDecryptionFailure.AuthenticationFailed));
        Assert.That(error.Message, Does.Contain(otherPlace).And.Not.Contain("hunter2"));
    }

    [Test]
    public void When_the_key_id_is_changed_to_another_key_in_the_ring_Should_refuse_to_decrypt()
    {
        var ring = TestKeys.Cipher(TestKeys.Entry("k2", KeyTwo), TestKeys.Entry("k1", KeyOne));
        var encrypted = ring.Encrypt("hunter2-correct-horse", Place);

        var error = Assert.Throws<SecretDecryptionException>(() => ring.Decrypt(encrypted with { KeyId = "k1" }, Place));

        Assert.That(error!.Reason, Is.EqualTo(SecretDecryptionFailure.AuthenticationFailed));
    }

    [Test]
    public void When_the_key_id_is_bound_into_the_tag_Should_refuse_even_if_both_ids_name_the_same_key()
    {
        var sameKeyTwice = TestKeys.Cipher(TestKeys.Entry("k2", KeyOne), TestKeys.Entry("k1", KeyOne));
        var encrypted = sameKeyTwice.Encrypt("hunter2-correct-horse", Place);

        Assert.Throws<SecretDecryptionException>(() => sameKeyTwice.Decrypt(encrypted with { KeyId = "k1" }, Place));
    }

    [Test]
    public void When_the_key_id_is_unknown_Should_name_it_and_the_keys_held()
    {
        var encrypted = cipher.Encrypt("hunter2-correct-horse", Place);

        var error = Assert.Throws<SecretDecryptionException>(() => cipher.Decrypt(encrypted with { KeyId = "k9" }, Place));

        Assert.That(error!.Reason, Is.EqualTo(SecretDecryptionFailure.UnknownKeyId));
        Assert.That(error.KeyId, Is.EqualTo("k9"));
        Assert.That(error.Message, Does.Contain("'k9'").And.Contain("k1").And.Not.Contain(KeyOne));
    }

    [Test]
    public void When_the_key_id_names_a_different_key_than_at_encryption_Should_refuse_to_decrypt()
    {
        var encrypted = cipher.Encrypt("hunter2-correct-horse", Place);
        var replaced = TestKeys.Cipher(TestKeys.Entry("k1", KeyTwo));

        var error = Assert.Throws<SecretDecryptionException>(() => replaced.Decrypt(encrypted, Place));

        Assert.That(error!.Reason, Is.EqualTo(SecretDecryptionFailure.AuthenticationFailed));
    }

    [Test]
    public void When_a_new_key_is_put_first_Should_encrypt_under_it_and_still_decrypt_values_under_the_old_key()
    {
        var beforeRotation = cipher.Encrypt("old-value-123", Place);
        var rotated = TestKeys.Cipher(TestKeys.Entry("k2", KeyTwo), TestKeys.Entry("k1", KeyOne));

        var afterRotation = rotated.Encrypt("new-value-456", Place);

        Assert.That(beforeRotation.KeyId, Is.EqualTo("k1"));
        Assert.That(afterRotation.KeyId, Is.EqualTo("k2"));
        Assert.That(rotated.Decrypt(beforeRotation, Place), Is.EqualTo("old-value-123"));
        Assert.That(rotated.Decrypt(afterRotation, Place), Is.EqualTo("new-value-456"));
        Assert.That(rotated.Matches(beforeRotation, Place, "old-value-123"), Is.True);
    }

    [Test]
    public void When_the_old_key_is_dropped_too_early_Should_report_the_unknown_key_id()
    {
        var beforeRotation = cipher.Encrypt("old-value-123", Place);
        var newOnly = TestKeys.Cipher(TestKeys.Entry("k2", KeyTwo));

        var error = Assert.Throws<SecretDecryptionException>(() => newOnly.Decrypt(beforeRotation, Place));

        Assert.That(error!.Reason, Is.EqualTo(SecretDecryptionFailure.UnknownKeyId));
    }

    [Test]
    public void When_the_value_is_malformed_Should_refuse_to_decrypt()
    {
        var original = cipher.Encrypt("hunter2-correct-horse", Place);
        var malformed = new[]
        {
            original with { Nonce = original.Nonce[..11] },
            original with { Nonce = [.. original.Nonce, 0] },
            original with { Tag = original.Tag[..12] },
            original with { Tag = null! },
            original with { Nonce = null! },
            original with { Ciphertext = null! },
        };

        Assert.Multiple(() =>
        {
            foreach (var secret in malformed)
                Assert.That(Assert.Throws<SecretDecryptionException>(() => cipher.Decrypt(secret, Place))!.Reason,
                    Is.EqualTo(SecretDecryptionFailure.Malformed));
            Assert.That(Assert.Throws<SecretDecryptionException>(() => cipher.Decrypt(original with { KeyId = null! }, Place))!.Reason,
                Is.EqualTo(SecretDecryptionFailure.UnknownKeyId));
        });
    }

    [Test]
    public void When_the_associated_data_is_empty_Should_refuse_to_encrypt_or_decrypt()
    {
        var encrypted = cipher.Encrypt("hunter2-correct-horse", Place);

        Assert.Throws<ArgumentException>(() => cipher.Encrypt("hunter2-correct-horse", ""));
        Assert.Throws<ArgumentNullException>(() => cipher.Encrypt("hunter2-correct-horse", null!));
        Assert.Throws<ArgumentException>(() => cipher.Decrypt(encrypted, ""));
        Assert.Throws<ArgumentException>(() => cipher.Matches(encrypted, "", "hunter2-correct-horse"));
    }

    [Test]
    public void When_the_plaintext_is_not_valid_text_Should_refuse_rather_than_alter_it()
    {
        Assert.Throws<ArgumentException>(() => cipher.Encrypt("half a surrogate \uD83D", Place));
        Assert.Throws<ArgumentNullException>(() => cipher.Encrypt(null!, Place));
    }

    [TestCase("hunter2-correct-horse", ExpectedResult = true)]
    [TestCase("hunter2-correct-hors", ExpectedResult = false)]
    [TestCase("hunter2-correct-horsee", ExpectedResult = false)]
    [TestCase("Hunter2-correct-horse", ExpectedResult = false)]
    [TestCase("hunter2-correct-horse ", ExpectedResult = false)]
    [TestCase("", ExpectedResult = false)]
    [TestCase("\uD83D", ExpectedResult = false)]
    public bool When_a_candidate_is_compared_with_the_stored_value_Should_match_only_the_exact_value(string candidate) =>
        cipher.Matches(cipher.Encrypt("hunter2-correct-horse", Place), Place, candidate);

    [Test]
    public void When_unicode_values_are_compared_Should_compare_them_exactly()
    {
        var encrypted = cipher.Encrypt("pässwörd-🔑", Place);

        Assert.That(cipher.Matches(encrypted, Place, "pässwörd-🔑"), Is.True);
        Assert.That(cipher.Matches(encrypted, Place, "pa\u0308sswo\u0308rd-🔑"), Is.False, "a differently normalised form is a different value");
        Assert.That(cipher.Matches(cipher.Encrypt("", Place), Place, ""), Is.True);
    }

    [Test]
    public void When_the_stored_value_does_not_authenticate_Should_throw_rather_than_answer_different()
    {
        var encrypted = cipher.Encrypt("hunter2-correct-horse", Place);

        Assert.Throws<SecretDecryptionException>(() => cipher.Matches(encrypted, "job:43:secret:DEPLOY_TOKEN", "hunter2-correct-horse"));
        Assert.Throws<SecretDecryptionException>(() => cipher.Matches(encrypted with { Tag = new byte[16] }, Place, "hunter2-correct-horse"));
    }

    [Test]
    public void When_used_from_many_threads_at_once_Should_round_trip_every_value()
    {
        var results = new string[2000];

        Parallel.For(0, results.Length, index =>
        {
            var place = $"job:{index}:secret:TOKEN";
            results[index] = cipher.Decrypt(cipher.Encrypt($"value-{index}", place), place);
        });

        Assert.That(results, Is.EqualTo(Enumerable.Range(0, results.Length).Select(index => $"value-{index}")));
    }
}
