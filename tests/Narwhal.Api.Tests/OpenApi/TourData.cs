namespace Narwhal.Api.Tests.OpenApi;

/// <summary>The names the parts of the <see cref="ApiTour"/> share, and the job they define.</summary>
internal static class TourData
{
    /// <summary>The job most steps work on; it exists from the jobs part on.</summary>
    public const string Job = "tour-free";

    /// <summary>A job the runs part deletes while it still has a run.</summary>
    public const string GoneJob = "tour-gone";

    /// <summary>A job that never exists (404s).</summary>
    public const string MissingJob = "tour-missing";

    public const string SecretKey = "TOUR_KEY";

    /// <summary>A run, token or other id that never exists (404s).</summary>
    public static readonly string MissingId = Guid.NewGuid().ToString();

    public static object FreestyleJob(string script = "echo tour") => new
    {
        type = "freestyle",
        image = TestEnvironment.BusyboxImage,
        script = new[] { script },
        parameters = new[] { new { name = "GREETING", @default = "hello" } },
    };
}
