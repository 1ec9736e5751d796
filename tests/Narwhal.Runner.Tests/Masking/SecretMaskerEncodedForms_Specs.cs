using System.Text.Json;
using Narwhal.Runner.Masking;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Masking.MaskingHarness;

namespace Narwhal.Runner.Tests.Masking;

/// <summary>
/// Locks in the encoded forms a secret is masked in: base64 (standard, URL-safe, padded or not, aligned at
/// any offset inside a longer value, line-wrapped as base64 and openssl print it), URL and form encoding,
/// the JSON escapes common writers produce, and each line of a multi-line secret. Expected values come from
/// other implementations (Python's base64, urllib and json), not from the code under test.
/// </summary>
[TestFixture]
public sealed class SecretMaskerEncodedForms_Specs
{
    private const string Ascii = "Tr0ub4dor&3 horse+battery/staple?";
    private const string Unicode = "pässwörd-€-🔑-\"quoted\"\\";

    [Test]
    public void When_a_secret_has_url_and_base64_special_characters_Should_list_their_encodings()
    {
        Assert.That(SecretMasker.EncodedForms(Ascii), Is.SupersetOf(new[]
        {
            Ascii,
            "VHIwdWI0ZG9yJjMgaG9yc2UrYmF0dGVyeS9zdGFwbGU/",   // base64 (33 bytes: no padding)
            "VHIwdWI0ZG9yJjMgaG9yc2UrYmF0dGVyeS9zdGFwbGU_",   // base64url
            "RyMHViNGRvciYzIGhvcnNlK2JhdHRlcnkvc3RhcGxlP",    // inside a longer value, 1 byte into a group
            "UcjB1YjRkb3ImMyBob3JzZStiYXR0ZXJ5L3N0YXBsZT",    // 2 bytes into a group
            "Tr0ub4dor%263%20horse%2Bbattery%2Fstaple%3F",    // urllib.parse.quote(safe='') / Uri.EscapeDataString
            "Tr0ub4dor%263+horse%2Bbattery%2Fstaple%3F",      // quote_plus: form encoding
            "Tr0ub4dor\\u00263 horse\\u002Bbattery/staple?",   // System.Text.Json default
            "Tr0ub4dor\\u00263 horse+battery/staple?",         // Go's encoding/json (HTML-safe)
        }));
    }

    [Test]
    public void When_a_secret_has_unicode_quotes_and_backslashes_Should_list_their_encodings()
    {
        Assert.That(SecretMasker.EncodedForms(Unicode), Is.SupersetOf(new[]
        {
            Unicode,
            "cMOkc3N3w7ZyZC3igqwt8J+UkS0icXVvdGVkIlw=",      // base64
            "cMOkc3N3w7ZyZC3igqwt8J+UkS0icXVvdGVkIlw",       // unpadded
            "cMOkc3N3w7ZyZC3igqwt8J-UkS0icXVvdGVkIlw=",      // base64url
            "cMOkc3N3w7ZyZC3igqwt8J-UkS0icXVvdGVkIlw",
            "cMOkc3N3w7ZyZC3igqwt8J+UkS0icXVvdGVkIl",        // the characters fixed by the secret alone (echo $S | base64)
            "DDpHNzd8O2cmQt4oKsLfCflJEtInF1b3RlZCJc",        // 1 byte into a group
            "ww6Rzc3fDtnJkLeKCrC3wn5SRLSJxdW90ZWQiX",        // 2 bytes into a group
            "p%C3%A4ssw%C3%B6rd-%E2%82%AC-%F0%9F%94%91-%22quoted%22%5C",
            "pässwörd-€-🔑-\\\"quoted\\\"\\\\",                       // json.dumps(ensure_ascii=False), JSON.stringify
            "p\\u00e4ssw\\u00f6rd-\\u20ac-\\ud83d\\udd11-\\\"quoted\\\"\\\\", // json.dumps default
            Unquote(JsonSerializer.Serialize(Unicode)),                // System.Text.Json default
        }));
    }

    [Test]
    public void When_url_encoders_disagree_on_reserved_characters_Should_list_each_encoder_s_form()
    {
        const string secret = "p@ss~word (1)!*";

        Assert.That(SecretMasker.EncodedForms(secret), Is.SupersetOf(new[]
        {
            "p%40ss~word%20%281%29%21%2A",   // urllib.parse.quote(safe='') / Uri.EscapeDataString (RFC 3986)
            "p%40ss~word+%281%29%21%2A",     // urllib.parse.quote_plus(safe='')
            "p%40ss%7Eword+(1)!*",           // WebUtility.UrlEncode / HttpUtility
        }));
        Assert.That(Mask([secret], "a=p%40ss~word+%281%29%21%2A&b=p%40ss%7Eword+(1)!*"), Is.EqualTo("a=***&b=***"));
    }

    [Test]
    public void When_a_secret_is_shorter_than_six_characters_Should_have_no_forms()
    {
        Assert.That(SecretMasker.EncodedForms("12345"), Is.Empty);
        Assert.That(SecretMasker.EncodedForms(""), Is.Empty);
        Assert.That(SecretMasker.EncodedForms("123456"), Does.Contain("123456"));
    }

    [Test]
    public void When_forms_are_listed_Should_list_each_once_and_none_shorter_than_six()
    {
        foreach (var secret in new[] { Ascii, Unicode, "123456", "line-one\nline-two" })
        {
            var forms = SecretMasker.EncodedForms(secret);
            Assert.That(forms, Is.Unique);
            Assert.That(forms, Has.All.Length.GreaterThanOrEqualTo(6));
            Assert.That(forms[0], Is.EqualTo(secret));
        }
    }

    private static IEnumerable<TestCaseData> EveryForm() =>
        new[] { Ascii, Unicode, "-----BEGIN KEY-----\nMIIEowIBAAKCAQEA\n-----END KEY-----" }.SelectMany(secret =>
            SecretMasker.EncodedForms(secret).Select((form, index) => new TestCaseData(secret, form).SetArgDisplayNames($"{secret[..4]} form {index}")));

    [TestCaseSource(nameof(EveryForm))]
    public void When_any_form_of_a_secret_is_written_Should_mask_it(string secret, string form)
    {
        Assert.That(Mask([secret], $"before {form} after"), Is.EqualTo("before *** after"));
    }

    [TestCase(Ascii)]
    [TestCase(Unicode)]
    [TestCase("abcdefg")]
    [TestCase("abcdefgh")]
    [TestCase("abcdefghi")]
    public void When_the_job_prints_echo_n_secret_piped_to_base64_Should_mask_it_whole(string secret)
    {
        var printed = Convert.ToBase64String(Utf8(secret)) + "\n";

        Assert.That(Mask([secret], printed), Is.EqualTo("***\n"));
    }

    [TestCase(Ascii)]
    [TestCase(Unicode)]
    [TestCase("abcdefg")]
    [TestCase("abcdefgh")]
    public void When_the_job_prints_echo_secret_piped_to_base64_Should_mask_all_but_the_newline_group(string secret)
    {
        // Without -n the newline is encoded too, changing the last one or two characters of the secret's part.
        // (When the newline's leading zero bits happen to equal the padding bits, one character more is masked.)
        var printed = Convert.ToBase64String(Utf8(secret + "\n"));
        var fixedBySecret = 8 * Utf8(secret).Length / 6;

        var masked = Mask([secret], printed);

        Assert.That(masked, Does.StartWith("***"));
        Assert.That(printed, Does.EndWith(masked[3..]));
        Assert.That(masked.Length - 3, Is.LessThanOrEqualTo(printed.Length - fixedBySecret).And.LessThanOrEqualTo(4));
    }

    [Test]
    public void When_a_basic_authorization_header_is_printed_Should_mask_the_password_inside_it()
    {
        var header = "Authorization: Basic " + Convert.ToBase64String(Utf8("user:" + Ascii));

        Assert.That(header, Is.EqualTo("Authorization: Basic dXNlcjpUcjB1YjRkb3ImMyBob3JzZStiYXR0ZXJ5L3N0YXBsZT8="));
        Assert.That(Mask([Ascii], header), Is.EqualTo("Authorization: Basic dXNlcjp***8="));
    }

    [Test]
    public void When_a_secret_sits_at_any_offset_inside_a_longer_base64_value_Should_mask_all_its_own_characters()
    {
        var random = new Random(3);
        Assert.Multiple(() =>
        {
            foreach (var secret in new[] { Ascii, Unicode, "abcdefg" })
            {
                var secretBytes = Utf8(secret);
                for (var before = 0; before < 7; before++)
                {
                    for (var after = 0; after < 4; after++)
                    {
                        var prefix = RandomLetters(random, before);
                        var value = Utf8(prefix + secret + RandomLetters(random, after));
                        foreach (var encoded in new[] { Convert.ToBase64String(value), Convert.ToBase64String(value).Replace('+', '-').Replace('/', '_') })
                        {
                            var first = (8 * before + 5) / 6;
                            // Aligned and last: the padded form of the secret alone matches to the end.
                            var end = after == 0 && before % 3 == 0 ? encoded.Length : 8 * (before + secretBytes.Length) / 6;

                            Assert.That(Mask([secret], $"[{encoded}]"), Is.EqualTo($"[{encoded[..first]}***{encoded[end..]}]"),
                                $"{secret} after {before} bytes, before {after}");
                        }
                    }
                }
            }
        });
    }

    [Test]
    public void When_a_long_secret_is_base64_encoded_with_line_wrapping_Should_mask_it_whole()
    {
        var secret = string.Concat(Enumerable.Repeat("long-secret-0123456789/", 6));
        var base64 = Convert.ToBase64String(Utf8(secret));
        var coreutils = Wrap(base64, 76, "\n");
        var opensslOnTty = Wrap(base64, 64, "\r\n");

        Assert.That(coreutils, Does.Contain("\n"));
        Assert.That(Mask([secret], $"$ echo -n $S | base64\n{coreutils}\n$ "), Is.EqualTo("$ echo -n $S | base64\n***\n$ "));
        Assert.That(Mask([secret], $"{opensslOnTty}\r\n"), Is.EqualTo("***\r\n"));
    }

    [Test]
    public void When_a_secret_is_sent_url_encoded_Should_mask_it_in_the_query_and_the_form_body()
    {
        Assert.That(Mask([Ascii], "GET /login?user=me&password=Tr0ub4dor%263%20horse%2Bbattery%2Fstaple%3F HTTP/1.1"),
            Is.EqualTo("GET /login?user=me&password=*** HTTP/1.1"));
        Assert.That(Mask([Ascii], "user=me&password=Tr0ub4dor%263+horse%2Bbattery%2Fstaple%3F"), Is.EqualTo("user=me&password=***"));
    }

    [Test]
    public void When_a_secret_is_serialized_into_json_Should_mask_it()
    {
        var json = JsonSerializer.Serialize(new { password = Unicode, other = "x" });

        Assert.That(Mask([Unicode], json), Is.EqualTo("{\"password\":\"***\",\"other\":\"x\"}"));
    }

    [Test]
    public void When_a_multi_line_secret_is_printed_Should_mask_it_whole_with_either_line_end_and_each_long_line_alone()
    {
        const string key = "-----BEGIN KEY-----\nMIIEowIBAAKCAQEA\n-----END KEY-----";

        Assert.That(Mask([key], $"key:\n{key}\n"), Is.EqualTo("key:\n***\n"));
        Assert.That(Mask([key], "key:\r\n" + key.ReplaceLineEndings("\r\n") + "\r\n"), Is.EqualTo("key:\r\n***\r\n"));
        Assert.That(Mask([key], "grep: MIIEowIBAAKCAQEA"), Is.EqualTo("grep: ***"));
        Assert.That(Mask([key], "{\"key\":\"" + key.Replace("\n", "\\n") + "\"}"), Is.EqualTo("{\"key\":\"***\"}"));
    }

    private static string Unquote(string json) => json[1..^1];

    private static string Wrap(string text, int width, string newline) =>
        string.Join(newline, text.Chunk(width).Select(chunk => new string(chunk)));

    // Letters only: their leading bits never equal base64's zero padding bits, so only the secret's own characters match.
    private static string RandomLetters(Random random, int length) =>
        new(Enumerable.Range(0, length).Select(_ => "abcdefghijklmnopqrstuvwxyz"[random.Next(26)]).ToArray());
}
