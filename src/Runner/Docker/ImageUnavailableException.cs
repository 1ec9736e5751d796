namespace Narwhal.Runner.Docker;

/// <summary>The image is not local and could not be pulled. A job error (bad image name, no registry), not a Runner fault.</summary>
public sealed class ImageUnavailableException(string image, string reason)
    : Exception($"Image '{image}' is not available locally and could not be pulled: {reason}")
{
    public string Image => image;

    /// <summary>Why: the engine's message.</summary>
    public string Reason => reason;
}
