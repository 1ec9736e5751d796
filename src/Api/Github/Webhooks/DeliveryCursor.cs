using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Narwhal.Api.Github.Webhooks;

/// <summary>Keyset-paging position in the newest-first delivery list: (received_at, id) of the last item returned; opaque base64url.</summary>
public readonly record struct DeliveryCursor(DateTimeOffset ReceivedAt, string Id)
{
    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{ReceivedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{Id}"));

    public static bool TryDecode(string? value, out DeliveryCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(value) || value.Length > 400) return false;
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(value));
            var colon = text.IndexOf(':');
            if (colon <= 0 || colon == text.Length - 1
                || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
                return false;
            cursor = new DeliveryCursor(new DateTimeOffset(ticks, TimeSpan.Zero), text[(colon + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
