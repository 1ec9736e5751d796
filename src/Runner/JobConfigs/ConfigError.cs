using YamlDotNet.Core;

namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// Every problem found while reading the file is thrown as a <see cref="YamlException"/> carrying the
/// offending node's start and a message without position, the same shape YamlDotNet's own syntax
/// errors have; <see cref="JobConfigParser"/> turns both into one <see cref="JobConfigException"/>.
/// </summary>
internal static class ConfigError
{
    public static YamlException At(Mark start, string problem) => new(start, start, problem);
}
