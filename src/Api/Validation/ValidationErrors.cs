namespace Narwhal.Api.Validation;

/// <summary>Collects field errors in the shape of RFC 9457 validation problems (field → messages).</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
    }

    public bool Any => _errors.Count > 0;

    /// <summary>Messages so far: a part of a validator compares it before and after its own checks.</summary>
    public int Count => _errors.Values.Sum(list => list.Count);

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
}
