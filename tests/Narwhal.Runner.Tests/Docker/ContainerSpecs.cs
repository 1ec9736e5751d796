using Narwhal.Runner.Docker;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>Small builder of <see cref="ContainerSpec"/>s for the Docker tests.</summary>
internal static class ContainerSpecs
{
    public static ContainerSpec Shell(string name, string image, string script, IReadOnlyDictionary<string, string>? labels = null) => new()
    {
        Name = name,
        Image = image,
        Command = ["/bin/sh", "-c", script],
        Labels = labels ?? new Dictionary<string, string>(),
    };
}
