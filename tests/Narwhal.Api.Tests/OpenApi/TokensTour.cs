namespace Narwhal.Api.Tests.OpenApi;

/// <summary>The tokens part of the <see cref="ApiTour"/>; it mints the read token the later parts use.</summary>
internal sealed class TokensTour(TourSession tour)
{
    public async Task RunAsync()
    {
        var admin = tour.Admin;
        var reader = await TourSession.ReadJsonAsync(await tour.Step(admin, HttpMethod.Post, "/tokens", 201, new { name = "tour-reader", scopes = new[] { "read" } }));
        tour.UseReaderToken(reader.GetProperty("secret").GetString());
        await tour.Step(admin, HttpMethod.Post, "/tokens", 409, new { name = "tour-reader", scopes = new[] { "read" } });
        await tour.Step(admin, HttpMethod.Post, "/tokens", 400, new { name = "", scopes = Array.Empty<string>() });
        var temporary = await TourSession.ReadJsonAsync(await tour.Step(admin, HttpMethod.Post, "/tokens", 201, new { name = "tour-temporary", scopes = new[] { "trigger" } }));
        var id = temporary.GetProperty("token").GetProperty("id").GetString();
        await tour.Step(admin, HttpMethod.Get, "/tokens", 200);
        await tour.Step(admin, HttpMethod.Delete, $"/tokens/{id}", 204);
        await tour.Step(admin, HttpMethod.Delete, $"/tokens/{id}", 404);
    }
}
