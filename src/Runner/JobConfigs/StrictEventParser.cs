using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// Passes YamlDotNet's events through, refusing the YAML features a job config has no use for and
/// that only bring risk: aliases (<c>*name</c>, the building block of "billion laughs" bombs; their
/// anchors are harmless alone) and tags (<c>!!binary</c>, <c>!custom</c>), each at the node.
/// </summary>
internal sealed class StrictEventParser(IParser inner) : IParser
{
    public ParsingEvent? Current => inner.Current;

    public bool MoveNext()
    {
        if (!inner.MoveNext()) return false;
        switch (inner.Current)
        {
            case AnchorAlias alias:
                throw ConfigError.At(alias.Start, $"aliases such as '*{alias.Value}' are not supported: write the value out (and quote a value starting with '*')");
            case NodeEvent { Tag.IsEmpty: false } node when !node.Tag.IsNonSpecific:
                throw ConfigError.At(node.Start, $"tags such as '{Shorthand(node.Tag.Value)}' are not supported: remove the tag");
        }
        return true;
    }

    private static string Shorthand(string tag) =>
        tag.StartsWith(StandardTagPrefix, StringComparison.Ordinal) ? "!!" + tag[StandardTagPrefix.Length..] : tag;

    private const string StandardTagPrefix = "tag:yaml.org,2002:";
}
