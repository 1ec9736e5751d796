namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// The job config file is unusable. <see cref="Exception.Message"/> reads
/// <c>file:line:column: problem</c>, like a compiler error, pointing at the offending node.
/// </summary>
public sealed class JobConfigException(string file, int line, int column, string problem)
    : Exception($"{file}:{line}:{column}: {problem}")
{
    /// <summary>The file name given to <see cref="JobConfigParser.Parse"/> or <see cref="JobConfigParser.ParseFile"/>.</summary>
    public string File => file;

    /// <summary>1-based.</summary>
    public int Line => line;

    /// <summary>1-based, in characters.</summary>
    public int Column => column;

    /// <summary>What is wrong, without the position.</summary>
    public string Problem => problem;
}
