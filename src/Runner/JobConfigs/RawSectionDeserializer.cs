using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Narwhal.Runner.JobConfigs;

/// <summary>YamlDotNet's hook for the <see cref="RawSection"/> types: strict keys, no duplicates, marks kept.</summary>
internal sealed class RawSectionDeserializer : INodeDeserializer
{
    public bool Deserialize(IParser reader, Type expectedType, Func<IParser, Type, object?> nestedObjectDeserializer,
        out object? value, ObjectDeserializer rootDeserializer)
    {
        if (!expectedType.IsAssignableTo(typeof(RawSection)))
        {
            value = null;
            return false;
        }
        value = RawNodeReader.ReadSection(reader, expectedType, nestedObjectDeserializer);
        return true;
    }
}
