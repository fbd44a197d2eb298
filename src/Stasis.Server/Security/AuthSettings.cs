using System.Net;
using Stasis.Server.Hosting;

namespace Stasis.Server.Security;

/// <summary>
/// Whether the control API and /metrics ask for credentials: always on an address other than loopback (that cannot be
/// turned off), and on loopback when <c>--require-auth</c> or the config file's <c>auth.required</c> says so.
/// HTTP triggers with <c>authType: function</c> ask for a key either way.
/// </summary>
internal sealed record AuthSettings(bool Required, string Reason)
{
    public static AuthSettings For(IPEndPoint listen, StasisServerOptions options, bool behindProxy = false)
    {
        if (!IPAddress.IsLoopback(listen.Address))
        {
            return new AuthSettings(true, $"{listen.Address} is not a loopback address");
        }

        if (behindProxy)
        {
            // A proxy on this host brings other hosts' requests to the loopback address.
            return new AuthSettings(true, "--trusted-proxy: requests come through a proxy");
        }

        return options.RequireAuth == true
            ? new AuthSettings(true, "--require-auth")
            : new AuthSettings(false, "loopback without --require-auth");
    }
}
