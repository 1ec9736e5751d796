using System.Net.Http.Headers;

namespace Narwhal.Testing;

/// <summary>
/// The Api and the Dispatcher of a <see cref="TestStack"/> as processes of their own (<see cref="AppProcess"/>), so a
/// test can SIGKILL them and start them again on the same port: the stack's settings plus the test's, nothing else.
/// </summary>
public static class StackProcesses
{
    public const string ApiListen = "NARWHAL_API_LISTEN";
    public const string DispatcherListen = "NARWHAL_DISPATCHER_LISTEN";
    /// <summary>A process of the stack starting on a loaded 2-core machine can take minutes.</summary>
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(240);

    /// <summary>The environment of the stack's Api process: the stack's settings, the admin token, <paramref name="overrides"/>.</summary>
    public static Dictionary<string, string?> ApiSettings(TestStack stack, IDictionary<string, string?>? overrides = null)
    {
        var settings = stack.CommonSettings();
        settings["NARWHAL_ADMIN_TOKEN"] = TestStack.AdminToken;
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>()) settings[k] = v;
        return settings;
    }

    /// <summary>The environment of the stack's Dispatcher process: the stack's settings and <paramref name="overrides"/>.</summary>
    public static Dictionary<string, string?> DispatcherSettings(TestStack stack, IDictionary<string, string?>? overrides = null)
    {
        var settings = stack.CommonSettings();
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>()) settings[k] = v;
        return settings;
    }

    /// <summary>Starts the Api process and waits until it is ready.</summary>
    public static Task<AppProcess> StartApiAsync(IReadOnlyDictionary<string, string?> settings) =>
        ReadyAsync(AppProcess.Start("Narwhal.Api", ApiListen, settings));

    /// <summary>Starts the Dispatcher process and waits until it is ready.</summary>
    public static Task<AppProcess> StartDispatcherAsync(IReadOnlyDictionary<string, string?> settings) =>
        ReadyAsync(AppProcess.Start("Narwhal.Dispatcher", DispatcherListen, settings));

    /// <summary>The same program, settings and port again (after a kill), once ready.</summary>
    public static Task<AppProcess> RestartAsync(AppProcess killed, IReadOnlyDictionary<string, string?> settings) =>
        ReadyAsync(killed.Restart(settings, killed.Name == "Narwhal.Api" ? ApiListen : DispatcherListen));

    /// <summary>A client of an Api process with the admin token.</summary>
    public static HttpClient Client(AppProcess api)
    {
        var client = new HttpClient { BaseAddress = api.Url, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestStack.AdminToken);
        return client;
    }

    private static async Task<AppProcess> ReadyAsync(AppProcess process)
    {
        try
        {
            await process.WaitReadyAsync(StartLimit);
            return process;
        }
        catch (TimeoutException ex)
        {
            await process.DisposeAsync();
            throw new TimeoutException($"{ex.Message}. Its output:\n{process.Output}", ex);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }
}
