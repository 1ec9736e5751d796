namespace Narwhal.Core.Jobs;

public enum JobType
{
    /// <summary>Image and script held on the job itself.</summary>
    Freestyle,
    /// <summary>Logic in a config file (.narwhal.yml) inside a git repository.</summary>
    Git,
}
