using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.WebEncoders;
using Narwhal.Api.Auth;
using Narwhal.Api.DataProtection;
using Narwhal.Api.Ui.Auth;
using Narwhal.Core.Secrets;
using Npgsql;

namespace Narwhal.Api.Ui;

/// <summary>
/// The web UI under <c>/ui</c>: Razor Pages rendered by the Api, a cookie session of its own (the REST API keeps
/// bearer tokens), the Data Protection keys in Postgres so every replica reads every cookie, antiforgery on every form.
/// </summary>
public static class UiServiceExtensions
{
    public const string CsrfCookieName = "narwhal_ui_csrf";

    public static WebApplicationBuilder AddNarwhalUi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var settings = UiSettings.From(builder.Configuration);
        services.AddSingleton(settings);

        // Every page needs a signed-in session with the read scope, except signing in. POST handlers are checked for
        // antiforgery tokens by Razor Pages itself (a form without one is answered 400).
        services.AddRazorPages(o =>
            {
                o.RootDirectory = "/Ui/Pages";
                o.Conventions.AuthorizeFolder("/", UiAuth.Policy(Scope.Read));
                o.Conventions.AllowAnonymousToPage("/SignIn");
            })
            // The pages are compiled into this assembly; a host started from another one (the tests) must be told.
            .ConfigureApplicationPartManager(parts =>
            {
                var assembly = typeof(UiServiceExtensions).Assembly;
                if (parts.ApplicationParts.OfType<AssemblyPart>().Any(p => p.Assembly == assembly)) return;
                foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                    parts.ApplicationParts.Add(part);
            });

        services.AddAuthentication().AddCookie(UiAuth.Scheme, o =>
        {
            o.Cookie.Name = UiAuth.CookieName;
            o.Cookie.Path = "/ui";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            // Secure whenever the browser's request is HTTPS; behind a proxy ending TLS, UiHeadersMiddleware makes UI
            // requests HTTPS when NARWHAL_PUBLIC_URL says so (Always would make antiforgery refuse plain-HTTP requests).
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = settings.SessionLifetime;
            o.SlidingExpiration = true;
            o.LoginPath = UiAuth.SignInPath;
            o.Events.OnValidatePrincipal = c => c.HttpContext.RequestServices.GetRequiredService<SessionRecheck>().ValidateAsync(c);
            // A page asks the browser to sign in (a relative redirect: right behind a proxy too); script requests get 401.
            o.Events.OnRedirectToLogin = c =>
            {
                if (WantsHtml(c.Request))
                    c.Response.Redirect($"{c.Request.PathBase}{UiAuth.SignInPath}?returnUrl={Uri.EscapeDataString(c.Request.Path + c.Request.QueryString)}");
                else
                    c.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            };
        });
        services.AddAuthorization(o =>
        {
            foreach (var scope in Enum.GetValues<Scope>())
                o.AddPolicy(UiAuth.Policy(scope), p => p.AddAuthenticationSchemes(UiAuth.Scheme).AddRequirements(new ScopeRequirement(scope)));
        });

        // One application name, so replicas (whatever their content root) share the purpose of the keys they share.
        services.AddDataProtection().SetApplicationName("narwhal");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
        {
            o.XmlRepository = new PostgresXmlRepository(sp.GetRequiredService<NpgsqlDataSource>());
            o.XmlEncryptor = new KeyRingXmlEncryptor(sp.GetRequiredService<SecretCipher>());
        }));
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = CsrfCookieName;
            o.Cookie.Path = "/ui";
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.Configure<CookieTempDataProviderOptions>(o =>
        {
            o.Cookie.Name = "narwhal_ui_notice";
            o.Cookie.Path = "/ui";
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        // Razor escapes only what HTML needs: "✓ Succeeded", not "&#x2713; Succeeded".
        services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));

        services.AddSingleton<TokenActivity>();
        services.AddSingleton<SessionRecheck>();
        services.AddSingleton<UiQueries>();
        services.AddSingleton<LogTail>();
        services.AddSingleton<RunOutputReader>();
        return builder;
    }

    /// <summary>Server-Timing and security headers on the UI's answers; first in the pipeline, so it times authentication too.</summary>
    public static WebApplication UseNarwhalUiHeaders(this WebApplication app)
    {
        app.UseMiddleware<UiHeadersMiddleware>();
        return app;
    }

    /// <summary>The pages, the assets, the endpoints the pages' script reads, and <c>/</c> → <c>/ui</c>.</summary>
    public static WebApplication MapNarwhalUi(this WebApplication app)
    {
        app.MapUiAssets();
        app.MapRazorPages();
        app.MapUiEndpoints();
        app.MapGet("/", () => Results.Redirect("/ui")).ExcludeFromDescription();
        return app;
    }

    private static bool WantsHtml(HttpRequest request) =>
        request.Headers.Accept.Any(a => a is not null && a.Contains("text/html", StringComparison.OrdinalIgnoreCase));
}
