using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Stasis.Client.Model;

namespace Stasis.Server.Hosting;

/// <summary>Registers Stasis' services and maps its endpoints.</summary>
internal static class ServerComposition
{
    public static void AddStasis(IServiceCollection services, StasisServerOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
    }

    public static void MapStasis(WebApplication app)
    {
        var options = app.Services.GetRequiredService<StasisServerOptions>();
        app.MapGet("/api/v1/status", () => Results.Json(new ServerStatus
        {
            Version = typeof(StasisServer).Assembly.GetName().Version?.ToString() ?? "0",
            Listen = options.Listen,
            DataDirectory = Path.GetFullPath(options.DataDirectory),
            Runtime = "process",
        }, JsonDefaults.Options));
    }
}
