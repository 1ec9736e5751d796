using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Narwhal.Core.Configuration;

/// <summary>
/// The name of this Narwhal installation. Every Docker object a Runner creates carries it as a
/// label, and a Runner cleans up only its own instance's leftovers, so two stacks (a developer's
/// and CI's) can share one Docker engine.
/// </summary>
public sealed partial record InstanceSettings(string Name)
{
    public static InstanceSettings From(IConfiguration config)
    {
        var name = config.GetString("NARWHAL_INSTANCE", "narwhal");
        if (!ValidName().IsMatch(name))
            throw new InvalidOperationException($"Setting NARWHAL_INSTANCE='{name}' must be 1-40 characters of a-z, 0-9, '-' or '_', starting with a letter or digit.");
        return new InstanceSettings(name);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,39}$")]
    private static partial Regex ValidName();
}
