using static Narwhal.Api.Tests.OpenApi.TourData;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>The jobs part of the <see cref="ApiTour"/>: the tour's job, its secrets and its git credentials.</summary>
internal sealed class JobsTour(TourSession tour)
{
    public async Task RunAsync()
    {
        await JobsAsync();
        await SecretsAsync();
        await CachesAsync();
        await GitCredentialsAsync();
    }

    private async Task JobsAsync()
    {
        var admin = tour.Admin;
        await tour.Step(admin, HttpMethod.Put, $"/jobs/{Job}", 201, FreestyleJob());
        await tour.Step(admin, HttpMethod.Put, $"/jobs/{Job}", 200, FreestyleJob());
        await tour.Step(admin, HttpMethod.Put, $"/jobs/{Job}", 400, new { type = "freestyle" });
        await tour.Step(admin, HttpMethod.Get, "/jobs", 200);
        await tour.Step(admin, HttpMethod.Get, "/jobs?limit=1", 200);
        await tour.Step(admin, HttpMethod.Get, "/jobs?limit=0", 400);
        await tour.Step(admin, HttpMethod.Get, $"/jobs/{Job}", 200);
        await tour.Step(admin, HttpMethod.Get, $"/jobs/{MissingJob}", 404);
        await tour.Step(admin, HttpMethod.Delete, $"/jobs/{MissingJob}", 404);
    }

    private async Task SecretsAsync()
    {
        var admin = tour.Admin;
        var secret = new { value = "tour-secret-value" };
        await tour.Step(admin, HttpMethod.Get, $"/jobs/{Job}/secrets", 200);
        await tour.Step(admin, HttpMethod.Get, $"/jobs/{MissingJob}/secrets", 404);
        await tour.Step(admin, HttpMethod.Put, $"/jobs/{Job}/secrets/{SecretKey}", 201, secret);
        await tour.Step(admin, HttpMethod.Put, $"/jobs/{Job}/secrets/{SecretKey}", 200, secret);
        await tour.Step(admin, HttpMethod.Put, $"/jobs/{Job}/secrets/CI", 400, secret);
        await tour.Step(admin, HttpMethod.Put, $"/jobs/{Job}/secrets/{SecretKey}", 400, new { value = "short" });
        await tour.Step(admin, HttpMethod.Put, $"/jobs/{MissingJob}/secrets/{SecretKey}", 404, secret);
        await tour.Step(admin, HttpMethod.Delete, $"/jobs/{Job}/secrets/{SecretKey}", 204);
        await tour.Step(admin, HttpMethod.Delete, $"/jobs/{Job}/secrets/{SecretKey}", 404);
    }

    /// <summary>The tour's job has run nothing: its caches are an empty list, and clearing them is still a success.</summary>
    private async Task CachesAsync()
    {
        var admin = tour.Admin;
        await tour.Step(admin, HttpMethod.Get, $"/jobs/{Job}/caches", 200);
        await tour.Step(admin, HttpMethod.Get, $"/jobs/{MissingJob}/caches", 404);
        await tour.Step(admin, HttpMethod.Delete, $"/jobs/{Job}/caches", 204);
        await tour.Step(admin, HttpMethod.Delete, $"/jobs/{MissingJob}/caches", 404);
    }

    private async Task GitCredentialsAsync()
    {
        var admin = tour.Admin;
        var path = $"/jobs/{Job}/git-credentials";
        var credentials = new { username = "tour", token = "tour-token-0123" };
        await tour.Step(admin, HttpMethod.Get, path, 404);
        await tour.Step(admin, HttpMethod.Put, path, 201, credentials);
        await tour.Step(admin, HttpMethod.Put, path, 200, credentials);
        await tour.Step(admin, HttpMethod.Get, path, 200);
        await tour.Step(admin, HttpMethod.Put, path, 400, new { username = "tour" });
        await tour.Step(admin, HttpMethod.Put, $"/jobs/{MissingJob}/git-credentials", 404, credentials);
        await tour.Step(admin, HttpMethod.Delete, path, 204);
        await tour.Step(admin, HttpMethod.Delete, path, 404);
    }
}
