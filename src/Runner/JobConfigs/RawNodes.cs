using YamlDotNet.Core;

namespace Narwhal.Runner.JobConfigs;

// The file as written, before any rule beyond its shape is checked: every node keeps where it
// starts so that the rules (JobConfigMapper) can point at it.

/// <summary>A single value (string, number, boolean: its YAML text), never null.</summary>
internal sealed record RawScalar(string Value, Mark Start);

/// <summary>A list of values; <see cref="IsSingleValue"/> when the file gave one value where a list is allowed.</summary>
internal sealed record RawList(IReadOnlyList<RawScalar> Items, bool IsSingleValue, Mark Start);

/// <summary>A mapping from names to values, in file order, names unique.</summary>
internal sealed record RawMap<T>(IReadOnlyList<KeyValuePair<RawScalar, T>> Entries, Mark Start);

/// <summary>A list of mappings from names to values (a matrix's <c>exclude</c> and <c>include</c>).</summary>
internal sealed record RawMapList(IReadOnlyList<RawMap<RawScalar>> Items, Mark Start);

/// <summary>The items of <c>needs</c>, in file order.</summary>
internal sealed record RawNeedList(IReadOnlyList<RawNeed> Items, Mark Start);

/// <summary>A mapping with a fixed set of keys, one per property (see <see cref="RawSectionKeys"/>).</summary>
internal abstract record RawSection
{
    private IReadOnlyDictionary<string, Mark> keyStarts = new Dictionary<string, Mark>();

    /// <summary>Where the mapping starts (its first key, or its <c>{</c>).</summary>
    public Mark Start { get; private set; }

    /// <summary>Where the key of <paramref name="key"/> starts; the key must be present.</summary>
    public Mark KeyStart(string key) => keyStarts[key];

    /// <summary>Whether the file wrote <paramref name="key"/> in this mapping.</summary>
    public bool Has(string key) => keyStarts.ContainsKey(key);

    /// <summary>
    /// A better problem than "unknown key" for a key that belongs at another level (a step's key at
    /// the top of the file); null when the key is simply unknown.
    /// </summary>
    public virtual string? MisplacedKeyProblem(string key) => null;

    public void Locate(Mark start, IReadOnlyDictionary<string, Mark> keys) => (Start, keyStarts) = (start, keys);
}
