namespace Narwhal.Core.Jobs;

public enum JobType
{
    /// <summary>Image and script held on the job itself.</summary>
    Freestyle,
    /// <summary>Logic in a config file inside a git repository (executed from issue 2/7 on).</summary>
    Git,
}
